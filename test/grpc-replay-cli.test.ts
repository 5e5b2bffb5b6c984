import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrorRate } from '../clients/wer.js';
import { LIBRIVOX_DIR } from './support/librivox.js';
import { startTestServer } from './support/test-server.js';

const run = promisify(execFile);
const KEY = 'cli-key';
const WAV = `${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0880.wav`;

/** The CLI's turn summary, latencies masked: what must not depend on the transport. */
function summary(stdout: string): string {
  return stdout.slice(stdout.indexOf('\nturns:\n')).replace(/end latency \d+ ms/g, 'end latency N ms');
}

describe('npm run replay -- FILE.wav --grpc host:port', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    // Two replays back to back at full speed: load-based admission would refuse the second.
    server = await startTestServer({ apiKeys: [KEY], admissionMaxUtilization: 1 });
  });
  afterAll(() => server?.close());

  const replayCli = (...args: string[]) => run(process.execPath, ['dist/clients/replay-cli.js', WAV, '--speed', '0', ...args]);

  it('replays a WAV over gRPC and prints what the WebSocket replay prints', async () => {
    const grpc = await replayCli('--grpc', `127.0.0.1:${server.grpcPort}`, '--api-key', KEY);
    const ws = await replayCli('--url', server.url, '--api-key', KEY);
    expect(grpc.stdout).toMatch(/^session \S+ started\n/);
    expect(grpc.stdout).toMatch(/\nFINAL \[ch0 turn 1\] /);
    const turn = /turns:\n\s+ch0 turn 1 \(end latency \d+ ms\): (.*)\n/.exec(grpc.stdout);
    expect(wordErrorRate('he was not an ill disposed young man', turn![1]!)).toBeLessThanOrEqual(0.45);
    expect(summary(grpc.stdout)).toBe(summary(ws.stdout));
    expect(grpc.stderr).toBe('');
  });

  it('exits with 1 and names the status when the call fails', async () => {
    const failed = replayCli('--grpc', `127.0.0.1:${server.grpcPort}`, '--api-key', 'wrong');
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/UNAUTHENTICATED/) });
  });
});
