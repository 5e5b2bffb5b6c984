import type { ServerOptions } from '../config/server-options.js';

/** The options as logged at start: every limit, how many API keys, whether a token secret is set, the ICE server URLs; never the secrets. */
export function loggableOptions(options: ServerOptions): Record<string, unknown> {
  const { apiKeys, tokenSecret, iceServers, ...rest } = options;
  return {
    ...rest,
    apiKeys: apiKeys.length,
    tokenSecret: tokenSecret === undefined ? 'random per process' : 'set',
    // TURN credentials are secrets too: only the URLs are logged.
    iceServers: iceServers.map((server) => server.urls),
  };
}
