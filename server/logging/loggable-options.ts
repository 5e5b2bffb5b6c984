import type { ServerOptions } from '../config/server-options.js';

/** The options as logged at start: every limit, and how many API keys, never the keys. */
export function loggableOptions(options: ServerOptions): Record<string, unknown> {
  const { apiKeys, ...rest } = options;
  return { ...rest, apiKeys: apiKeys.length };
}
