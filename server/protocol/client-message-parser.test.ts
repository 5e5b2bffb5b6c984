import { describe, expect, it } from 'vitest';
import { parseClientMessage } from './client-message-parser.js';

describe('parseClientMessage', () => {
  it('accepts the four client message types', () => {
    for (const type of ['start', 'finalize', 'stop', 'keepalive']) {
      expect(parseClientMessage(JSON.stringify({ type })).type).toBe(type);
    }
  });

  it.each(['not json', '[]', '42', '{"kind":"stop"}', '{"type":"pause"}', 'null'])('refuses %s with bad_message', (text) => {
    expect(() => parseClientMessage(text)).toThrowError(expect.objectContaining({ code: 'bad_message', fatal: false }));
  });
});
