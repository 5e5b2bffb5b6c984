import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Checks presented API keys in constant time; with no keys configured, auth is off. */
export class ApiKeyAuth {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  allows(presented: string | undefined): boolean {
    if (!this.enabled) return true;
    if (!presented) return false;
    const candidate = digest(presented);
    return this.digests.some((d) => timingSafeEqual(d, candidate));
  }

  /** A short stable name of a key for limits and logs; the key itself is never logged. */
  static keyId(key: string): string {
    return `key_${digest(key).toString('hex').slice(0, 12)}`;
  }

  /** The key from an `Authorization: Bearer <key>` header value. */
  static bearer(header: string | undefined): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return match?.[1];
  }
}
