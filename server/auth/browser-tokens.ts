import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'pt1';
/** What a token allows: opening listening sessions, nothing else (not minting tokens). */
const SCOPE = 'listen';

interface TokenPayload {
  /** The key id the token was issued under: its per-key limits apply. */
  k: string | null;
  s: typeof SCOPE;
  /** Expiry, ms since the epoch. */
  e: number;
}

export interface IssuedToken {
  token: string;
  /** ISO 8601. */
  expires_at: string;
}

/**
 * Short-lived signed tokens for browsers (design.md 3b): a page gets one from its own
 * backend, which holds the API key, and presents it wherever a key is accepted. HMAC-SHA256
 * over the payload; no server state, so any instance with the same secret accepts it.
 */
export class BrowserTokens {
  private readonly secret: Buffer;

  /** `secret`: at least 32 bytes of entropy; absent, a random one (tokens die with the process). */
  constructor(
    secret: string | undefined,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  issue(keyId: string | undefined): IssuedToken {
    const expires = this.now() + this.ttlMs;
    const payload: TokenPayload = { k: keyId ?? null, s: SCOPE, e: expires };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${VERSION}.${body}.${this.sign(body)}`, expires_at: new Date(expires).toISOString() };
  }

  /** The key id a valid, unexpired token was issued under (null when auth was off); undefined if it is not one. */
  verify(token: string): string | null | undefined {
    const [version, body, signature, ...rest] = token.split('.');
    if (version !== VERSION || !body || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let payload: TokenPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    } catch {
      return undefined;
    }
    if (payload.s !== SCOPE || typeof payload.e !== 'number' || payload.e <= this.now()) return undefined;
    return typeof payload.k === 'string' ? payload.k : null;
  }

  /** Whether `credential` has a token's shape (as opposed to an API key). */
  static looksLikeToken(credential: string): boolean {
    return credential.startsWith(`${VERSION}.`);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`${VERSION}.${body}`).digest('base64url');
  }
}
