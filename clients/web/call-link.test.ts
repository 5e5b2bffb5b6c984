import { describe, expect, it } from 'vitest';
import { ServerEventReader } from './call-link.js';

describe('ServerEventReader', () => {
  it('passes on the events of text messages and drops what is not one', () => {
    const reader = new ServerEventReader();
    expect(reader.read('{"type":"speech.started","channel":0,"turn_id":1,"at_ms":40}')).toMatchObject({ type: 'speech.started' });
    expect(reader.read(new ArrayBuffer(4))).toBeUndefined();
    expect(reader.read('not json')).toBeUndefined();
    expect(reader.read('null')).toBeUndefined();
    expect(reader.read('{"no":"type"}')).toBeUndefined();
    expect(reader.end()).toEqual({ kind: 'lost' });
  });

  it('reports the end the server announced, and a fatal error before it', () => {
    const ended = new ServerEventReader();
    ended.read('{"type":"session.ended","reason":"idle_timeout"}');
    expect(ended.sessionEnded).toBe(true);
    expect(ended.end()).toEqual({ kind: 'ended', reason: 'idle_timeout' });

    const refused = new ServerEventReader();
    refused.read('{"type":"error","code":"capacity_exceeded","message":"at capacity","fatal":true}');
    refused.read('{"type":"session.ended","reason":"error"}');
    expect(refused.end()).toMatchObject({ kind: 'refused', error: { code: 'capacity_exceeded' } });

    const recovered = new ServerEventReader();
    recovered.read('{"type":"error","code":"bad_message","message":"unknown type","fatal":false}');
    expect(recovered.sessionEnded).toBe(false);
    expect(recovered.end()).toEqual({ kind: 'lost' });
  });
});
