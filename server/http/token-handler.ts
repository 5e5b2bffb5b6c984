import { ParleyError } from '../../proto/errors.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import { BrowserTokens } from '../auth/browser-tokens.js';
import type { SessionHost } from '../session/session-host.js';
import type { HttpHandler } from './http-handler.js';
import { sendRefusal } from './http-refusal.js';
import { OriginPolicy } from './origin-policy.js';

const PATH = '/v1/tokens';
const METHODS = ['POST', 'OPTIONS'];

/**
 * `POST /v1/tokens` with an API key (never a token: a token cannot mint tokens) answers
 * `{"token","expires_at"}` (design.md 3b). Meant for a page's own backend, which holds the key.
 */
export function tokenHandler(host: SessionHost): HttpHandler {
  return {
    matches: (path) => path === PATH,
    handle: (req, res) => {
      const origins = host.origins;
      if (!origins.allows(OriginPolicy.of(req))) {
        return sendRefusal(res, new ParleyError('origin_not_allowed', 'this origin is not in PARLEY_ALLOWED_ORIGINS'));
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204, origins.preflightHeaders(req, METHODS));
        res.end();
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: METHODS.join(', '), 'content-type': 'text/plain' });
        res.end('method not allowed\n');
        return;
      }
      // The body is not used; a client that sends one is not waited for.
      req.resume();
      const key = ApiKeyAuth.bearer(req.headers.authorization);
      if (key !== undefined && BrowserTokens.looksLikeToken(key)) {
        return sendRefusal(res, new ParleyError('unauthorized', 'tokens are issued for an API key, not for another token'), origins.corsHeaders(req));
      }
      let keyId: string | undefined;
      try {
        keyId = host.authenticate(key);
      } catch (error) {
        return sendRefusal(res, error as ParleyError, origins.corsHeaders(req));
      }
      const body = JSON.stringify(host.tokens.issue(keyId));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...origins.corsHeaders(req) });
      res.end(body);
    },
  };
}
