import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../clients/replay.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { captureLog } from './support/log-capture.js';
import { startTestServer } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

async function loggedCall(logTranscripts: boolean): Promise<Array<Record<string, unknown>>> {
  const { log, lines } = captureLog();
  const server = await startTestServer({ logTranscripts, apiKeys: ['secret-key-1'], tokenSecret: 'secret-token-hmac-0123456789abcdef' }, { log });
  try {
    const result = await replay(
      { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: pcm },
      { url: server.url, speed: 0, chunkMs: 40, apiKey: 'secret-key-1', config: { labels: { call: 'c-1' } } },
    );
    expect(result.turns.map((t) => t.text)).toEqual(['go forward ten meters']);
  } finally {
    await server.close();
  }
  return lines;
}

describe('structured logs', () => {
  it('log the options at start, one line per session start and end, and never the key or the transcript', async () => {
    const lines = await loggedCall(false);
    const options = lines.find((l) => l.event === 'options')!;
    expect(options.options).toMatchObject({ maxSessions: 16, apiKeys: 1 });
    const start = lines.find((l) => l.event === 'session_start')!;
    const end = lines.find((l) => l.event === 'session_end')!;
    expect(start).toMatchObject({ transport: 'websocket', address: '127.0.0.1', config: { labels: { call: 'c-1' } }, key_id: expect.stringMatching(/^key_/) });
    expect(end).toMatchObject({ session_id: start.session_id, reason: 'stop', turns: 1, error_codes: [] });
    expect(typeof end.duration_ms).toBe('number');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('secret-key-1');
    expect(text).not.toContain('secret-token-hmac');
    expect(text).not.toMatch(/go forward/);
  });

  it('log each turn.end text when PARLEY_LOG_TRANSCRIPTS is on', async () => {
    const lines = await loggedCall(true);
    expect(lines.find((l) => l.event === 'turn_end')).toMatchObject({ text: 'go forward ten meters', reason: expect.any(String) });
  });
});
