import { ParleyError } from '../../proto/errors.js';
import type { ClientMessage } from '../../proto/messages.js';

const TYPES = new Set<ClientMessage['type']>(['start', 'finalize', 'stop', 'keepalive']);

/** Parses one client text frame; a malformed one is a non-fatal `bad_message`. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ParleyError('bad_message', 'text messages must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParleyError('bad_message', 'a text message must be a JSON object with a "type"');
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !TYPES.has(type as ClientMessage['type'])) {
    throw new ParleyError('bad_message', `unknown message type ${JSON.stringify(type ?? null)}`);
  }
  return value as ClientMessage;
}
