import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../audio/wav.js';
import { CallInputError, loadCallInputs } from './call-inputs.js';

/** A WAV of `ms` of silence. */
function wav(ms: number, channels = 1, encoding: 'pcm_s16le' | 'mulaw' = 'pcm_s16le', sampleRate = 16000): Uint8Array {
  const frames = (sampleRate * ms) / 1000;
  return writeWav({ encoding, sampleRate, channels, data: new Uint8Array(frames * channels * (encoding === 'mulaw' ? 1 : 2)) });
}

describe('loadCallInputs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-inputs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, content: string | Uint8Array): Promise<string> => {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    return path;
  };
  const manifest = (...lines: string[]) => file('calls.jsonl', lines.join('\n'));
  const loadManifest = async (...lines: string[]) => loadCallInputs({ paths: [], manifests: [await manifest(...lines)] });

  it('reads a manifest: paths relative to its folder, references per channel, turns, config, sidecars', async () => {
    await file('audio/a.wav', wav(500));
    await file('audio/b.wav', wav(250, 2, 'mulaw', 8000));
    await file('audio/c.wav', wav(100));
    await file('audio/c.txt', '  hello there\n');
    const calls = await loadManifest(
      JSON.stringify({ audio: 'audio/a.wav', reference: 'one two', turns: 1, turn_boundaries: [[20, 480]], config: { end_ms: 700 } }),
      '',
      JSON.stringify({ id: 'stereo', audio: 'audio/b.wav', references: ['caller words', null], turns: [2, null], turn_boundaries: [null, [[0, 100], [150, 240]]] }),
      JSON.stringify({ audio: 'audio/c.wav' }),
    );
    expect(calls).toEqual([
      { id: 'audio/a', audio: join(dir, 'audio/a.wav'), channels: 1, audioMs: 500, references: ['one two'], expectedTurns: [1], turnBoundaries: [[{ start_ms: 20, end_ms: 480 }]], config: { end_ms: 700 } },
      { id: 'stereo', audio: join(dir, 'audio/b.wav'), channels: 2, audioMs: 250, references: ['caller words', null], expectedTurns: [2, 2], turnBoundaries: [null, [{ start_ms: 0, end_ms: 100 }, { start_ms: 150, end_ms: 240 }]], config: {} },
      { id: 'audio/c', audio: join(dir, 'audio/c.wav'), channels: 1, audioMs: 100, references: ['hello there'], expectedTurns: [null], turnBoundaries: [null], config: {} },
    ]);
  });

  it('reads a folder recursively in path order, with NAME.txt and NAME.chN.txt sidecars', async () => {
    await file('corpus/b.wav', wav(100));
    await file('corpus/b.txt', 'bee');
    await file('corpus/sub/a.WAV', wav(100, 2));
    await file('corpus/sub/a.ch1.txt', 'agent side');
    await file('corpus/notes.md', 'not audio');
    const calls = await loadCallInputs({ paths: [join(dir, 'corpus')], manifests: [] });
    expect(calls.map((c) => [c.id, c.references])).toEqual([
      ['b', ['bee']],
      ['sub/a', [null, 'agent side']],
    ]);
  });

  it('takes a single WAV, and a .jsonl path as a manifest', async () => {
    const single = await file('one.wav', wav(40));
    const list = await manifest(JSON.stringify({ id: 'listed', audio: 'one.wav' }));
    const calls = await loadCallInputs({ paths: [single, list], manifests: [] });
    expect(calls.map((c) => [c.id, c.references, c.audioMs])).toEqual([
      ['one', [null], 40],
      ['listed', [null], 40],
    ]);
  });

  const refused = async (lines: string[], message: RegExp) => {
    const loading = loadManifest(...lines);
    await expect(loading).rejects.toBeInstanceOf(CallInputError);
    await expect(loading).rejects.toThrow(message);
  };

  it('names the manifest line of a bad entry', async () => {
    await file('m.wav', wav(100));
    await file('s.wav', wav(100, 2));
    await file('three.wav', wav(100, 3));
    await file('junk.wav', 'not a wav');
    const ok = JSON.stringify({ audio: 'm.wav' });
    await refused([ok, '{"audio": '], /calls\.jsonl:2: not JSON/);
    await refused([ok, '[1]'], /calls\.jsonl:2: a line must be a JSON object/);
    await refused([JSON.stringify({ audio: 'm.wav', refrence: 'x' })], /calls\.jsonl:1: unknown key\(s\) refrence/);
    await refused([JSON.stringify({ reference: 'x' })], /calls\.jsonl:1: "audio" .* is required/);
    await refused([ok, '', JSON.stringify({ audio: 'gone.wav' })], /calls\.jsonl:3: .*gone\.wav: no such file/);
    await refused([JSON.stringify({ audio: 'junk.wav' })], /calls\.jsonl:1: .*junk\.wav: WAV: not a RIFF\/WAVE file/);
    await refused([JSON.stringify({ audio: 'three.wav' })], /calls\.jsonl:1: .*three\.wav: Parley takes 1 or 2 channels, not 3/);
    await refused([JSON.stringify({ audio: 's.wav', reference: 'x' })], /calls\.jsonl:1: .*2-channel call takes "references"/);
    await refused([JSON.stringify({ audio: 's.wav', references: ['x'] })], /calls\.jsonl:1: .*"references" has 1 entries for 2 channel/);
    await refused([JSON.stringify({ audio: 's.wav', turns: 2 })], /calls\.jsonl:1: .*"turns" as an array/);
    await refused([JSON.stringify({ audio: 'm.wav', turns: 1.5 })], /calls\.jsonl:1: "turns" must be a whole number/);
    await refused([JSON.stringify({ audio: 'm.wav', reference: 'x', references: ['x'] })], /calls\.jsonl:1: give "reference" or "references"/);
    await refused([JSON.stringify({ audio: 'm.wav', config: { sample_rate: 8000 } })], /calls\.jsonl:1: "config" may not set sample_rate/);
    await refused([JSON.stringify({ audio: 'm.wav', turn_boundaries: [[500, 100]] })], /calls\.jsonl:1: "turn_boundaries" must be \[start_ms, end_ms\] pairs in order/);
    await refused([JSON.stringify({ audio: 's.wav', turn_boundaries: [[0, 100]] })], /calls\.jsonl:1: .*2-channel call takes "turn_boundaries" as one list per channel/);
    await refused([JSON.stringify({ audio: 'm.wav', turns: 2, turn_boundaries: [[0, 100]] })], /calls\.jsonl:1: .*channel 0 has "turns" 2 but 1 "turn_boundaries"/);
    await refused([ok, ok], /call id "m" is used twice/);
  });

  it('refuses a single NAME.txt for a 2-channel call, and a folder without WAVs', async () => {
    await file('two/s.wav', wav(100, 2));
    await file('two/s.txt', 'whose words?');
    await expect(loadCallInputs({ paths: [join(dir, 'two')], manifests: [] })).rejects.toThrow(/s\.txt: .* has 2 channels; give one reference per channel \(s\.ch0\.txt, s\.ch1\.txt\)/);
    await mkdir(join(dir, 'empty'));
    await expect(loadCallInputs({ paths: [join(dir, 'empty')], manifests: [] })).rejects.toThrow(/empty: no \.wav files/);
    await expect(loadCallInputs({ paths: [join(dir, 'nowhere')], manifests: [] })).rejects.toThrow(/nowhere: no such file or folder/);
    await expect(loadCallInputs({ paths: [], manifests: [] })).rejects.toThrow(/no calls to replay/);
  });
});
