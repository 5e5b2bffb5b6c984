import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { concatAudio, goForward, silence } from './support/audio-fixtures.js';
import { startTestServer } from './support/test-server.js';

const run = promisify(execFile);
const KEY = 'python-key';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLIENT = fileURLToPath(new URL('./support/grpc-python-client.py', import.meta.url));
/** Debian's interpreter, where python3-grpcio and python3-protobuf install. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
/** 16 kHz pcm_s16le in 40 ms requests. */
const AUDIO_ARGS = ['--encoding', 'pcm_s16le', '--sample-rate', '16000', '--chunk-bytes', '1280'];

type PythonLine = Record<string, Record<string, unknown>> & { status?: string; details?: string };

/** Python grpcio with stubs that Debian's protoc and grpc_python_plugin generate from the .proto
 * (scripts/setup.sh --test installs them). */
describe('a client generated from voice.proto by another implementation (Python grpcio)', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let generated: string;
  let audioFile: string;
  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [KEY] });
    generated = mkdtempSync(join(tmpdir(), 'parley-py-'));
    await run('protoc', [
      `-I${join(ROOT, 'proto')}`,
      `--python_out=${generated}`,
      `--grpc_python_out=${generated}`,
      '--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin',
      'parley/v1/voice.proto',
    ]);
    audioFile = join(generated, 'call.raw');
    const turn = concatAudio(silence(300), goForward(), silence(1000));
    writeFileSync(audioFile, encodeSamples(concatAudio(turn, turn), 'pcm_s16le'));
  });
  afterAll(async () => {
    await server?.close();
    if (generated) rmSync(generated, { recursive: true, force: true });
  });

  async function pythonCall(apiKey: string): Promise<PythonLine[]> {
    const { stdout } = await run(
      PYTHON,
      [CLIENT, '--address', `127.0.0.1:${server.grpcPort}`, '--api-key', apiKey, '--audio', audioFile, ...AUDIO_ARGS],
      { env: { ...process.env, PYTHONPATH: generated } },
    ).catch((error: { stderr?: string }) => {
      throw new Error(`python client failed: ${error.stderr ?? String(error)}`);
    });
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PythonLine);
  }

  it('runs a call end to end: config, audio, stop; events with the proto field names; status OK', async () => {
    const lines = await pythonCall(KEY);
    expect(lines.at(-1)).toEqual({ status: 'OK', details: '' });
    const events = lines.slice(0, -1);
    expect(events[0]!.session_started).toMatchObject({
      config: { encoding: 'pcm_s16le', sample_rate: 16000, channels: 1, labels: { call_id: 'python' } },
    });
    // Final text per turn: `turn_end`, or a later `transcript_corrected` when the final pass came late.
    const finals = new Map<unknown, unknown>();
    for (const e of events) {
      const final = e.turn_end ?? e.transcript_corrected;
      if (final) finals.set(final.turn_id, final.text);
    }
    expect([...finals]).toEqual([
      [1, 'go forward ten meters'],
      [2, 'go forward ten meters'],
    ]);
    // Zero values (channel 0) are on the wire as proto3 defaults and read back as fields.
    const speech = events.find((e) => e.speech_started)!.speech_started!;
    expect(Object.keys(speech).sort()).toEqual(['at_ms', 'channel', 'turn_id']);
    expect(events.at(-1)!.session_ended).toMatchObject({ reason: 'stop', stats: { channels: [{ channel: 0, turns: 2 }] } });
  });

  it('gets UNAUTHENTICATED with a wrong key', async () => {
    expect(await pythonCall('wrong')).toEqual([{ status: 'UNAUTHENTICATED', details: 'a valid API key or token is required' }]);
  });
});
