import type { ServerOptions } from '../config/server-options.js';

/** The options as logged at start: every limit, how many API keys and whether a token secret is set, never the secrets. */
export function loggableOptions(options: ServerOptions): Record<string, unknown> {
  const { apiKeys, tokenSecret, ...rest } = options;
  return { ...rest, apiKeys: apiKeys.length, tokenSecret: tokenSecret === undefined ? 'random per process' : 'set' };
}
