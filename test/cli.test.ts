import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRIVOX_DIR } from './support/librivox.js';
import { wordErrorRate } from '../clients/wer.js';

const run = promisify(execFile);
const UTTERANCE = 'sense_and_sensibility_01_austen_64kb-0880';

/** Starts `npm start`'s entry point as a user would, on a free port; resolves with its port once ready. */
function startServerProcess(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    env: { ...process.env, PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    let port = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      port ||= Number(/listening on [^:]+:(\d+)/.exec(output)?.[1] ?? 0);
      if (port && output.includes('ready')) resolve({ child, port });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

describe('the server process and the replay CLI', () => {
  let server: { child: ChildProcess; port: number };
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });

  it('answers /healthz once ready', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(200);
  });

  it('replays a LibriVox WAV and prints partials, the final and the turn summary', async () => {
    const { stdout } = await run(process.execPath, [
      'dist/clients/replay-cli.js',
      `${LIBRIVOX_DIR}/${UTTERANCE}.wav`,
      '--url',
      `ws://127.0.0.1:${server.port}/v1/listen`,
      '--speed',
      '4',
    ]);
    expect(stdout).toMatch(/\[ch0 turn 1 r1\] /);
    const summary = /turns:\n\s+ch0 turn 1 \(end latency \d+ ms\): (.*)\n/.exec(stdout);
    expect(summary).not.toBeNull();
    expect(wordErrorRate('he was not an ill disposed young man', summary![1]!)).toBeLessThanOrEqual(0.45);
  });

  it('exits with a usage message and code 2 without a file', async () => {
    await expect(run(process.execPath, ['dist/clients/replay-cli.js'])).rejects.toMatchObject({ code: 2 });
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
