import type { IncomingMessage } from 'node:http';

/** How long a browser may cache a preflight's answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * Which browser origins may use the WebSocket, the WebRTC signalling and the token endpoint
 * (`PARLEY_ALLOWED_ORIGINS`), and the CORS headers that tell browsers so. A request without
 * an `Origin` header is not from a browser page (or is same-origin navigation): it is
 * allowed, since auth, not the origin, is what keeps other clients out.
 */
export class OriginPolicy {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;

  /** `allowed`: exact origins (`https://app.example.com`), or `*` for any. */
  constructor(allowed: readonly string[]) {
    this.anyOrigin = allowed.includes('*');
    this.origins = new Set(allowed.map((o) => o.toLowerCase()));
  }

  allows(origin: string | undefined): boolean {
    return origin === undefined || this.anyOrigin || this.origins.has(origin.toLowerCase());
  }

  /** The request's origin, when a browser sent one. */
  static of(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    return typeof origin === 'string' && origin !== '' ? origin : undefined;
  }

  /** CORS headers for an allowed request (none without an Origin). */
  corsHeaders(req: IncomingMessage, exposed: readonly string[] = []): Record<string, string> {
    const origin = OriginPolicy.of(req);
    if (origin === undefined || !this.allows(origin)) return {};
    const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (exposed.length > 0) headers['access-control-expose-headers'] = exposed.join(', ');
    return headers;
  }

  /** Headers of the answer to a CORS preflight (`OPTIONS`) for `methods`. */
  preflightHeaders(req: IncomingMessage, methods: readonly string[]): Record<string, string> {
    const cors = this.corsHeaders(req);
    if (!cors['access-control-allow-origin']) return {};
    return {
      ...cors,
      'access-control-allow-methods': methods.join(', '),
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
    };
  }
}
