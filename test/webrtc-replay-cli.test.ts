import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrorRate } from '../clients/wer.js';
import { LIBRIVOX_DIR } from './support/librivox.js';
import { startTestServer, waitFor } from './support/test-server.js';

const run = promisify(execFile);
const KEY = 'cli-key';
const WAV = `${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0880.wav`;

describe('npm run replay -- FILE.wav --webrtc http://host:port', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [KEY] });
  });
  afterAll(() => server?.close());

  const replayCli = (...args: string[]) => run(process.execPath, ['dist/clients/replay-cli.js', WAV, '--webrtc', `http://127.0.0.1:${server.port}`, ...args]);

  it('replays a WAV over WebRTC, prints its turns, exits 0, and leaves no peer on the server', async () => {
    const { stdout, stderr } = await replayCli('--api-key', KEY);
    expect(stdout).toMatch(/^session \S+ started\n/);
    const turn = /turns:\n\s+ch0 turn 1 \(end latency \d+ ms\): (.*)\n/.exec(stdout);
    expect(wordErrorRate('he was not an ill disposed young man', turn![1]!)).toBeLessThanOrEqual(0.45);
    expect(stderr).toBe('');
    // The server releases its side once the closed channel reaches it.
    await waitFor(() => server.webrtcPeers() === 0);
  });

  it('exits with 1 and names the HTTP status when the offer is refused', async () => {
    const failed = replayCli('--api-key', 'wrong');
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/the offer was refused with HTTP 401 \(unauthorized: /) });
  });
});
