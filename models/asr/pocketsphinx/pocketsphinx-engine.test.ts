import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { ParleyError } from '../../../proto/errors.js';
import type { AsrHypothesis, AsrStream } from '../asr-engine.js';
import { loadNativeBinding } from './native-binding.js';
import { PocketSphinxEngine } from './pocketsphinx-engine.js';
import { loopTurnsDuring } from '../../../test/support/event-loop-turns.js';

const TEST_DATA = '/usr/share/pocketsphinx/test/data';
const LIBRIVOX = join(TEST_DATA, 'librivox');
const CHUNK = 1600; // 100 ms at 16 kHz

/** s16le samples as the recognizer takes them: floats in [-1, 1). */
function toFloat(pcm: Int16Array): Float32Array {
  return Float32Array.from(pcm, (v) => v / 32768);
}

function readRaw(path: string): Float32Array {
  const bytes = readFileSync(path);
  return toFloat(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
}

/** The data chunk of a 16 kHz mono s16le WAV file. */
function readWav(path: string): Float32Array {
  const bytes = readFileSync(path);
  expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
  expect(bytes.toString('ascii', 8, 12)).toBe('WAVE');
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      expect([bytes.readUInt16LE(body), bytes.readUInt16LE(body + 2), bytes.readUInt32LE(body + 4), bytes.readUInt16LE(body + 14)])
        .toEqual([1, 1, 16000, 16]);
    } else if (id === 'data') {
      return toFloat(new Int16Array(bytes.buffer.slice(bytes.byteOffset + body, bytes.byteOffset + body + size)));
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path} has no data chunk`);
}

function librivox(id: string): { samples: Float32Array; reference: string } {
  const line = readFileSync(join(LIBRIVOX, 'transcription'), 'utf8')
    .split('\n')
    .find((l) => l.endsWith(`(${id})`));
  if (!line) throw new Error(`no transcription for ${id}`);
  const reference = line.replace(/^<s>\s*/, '').replace(/\s*<\/s>\s*\(.*\)$/, '');
  return { samples: readWav(join(LIBRIVOX, `${id}.wav`)), reference };
}

function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = reference.split(' ');
  const hyp = hypothesis.split(' ').filter((w) => w !== '');
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[hyp.length]! / ref.length;
}

function expectWellFormed(hypothesis: AsrHypothesis, audioMs: number): void {
  expect(hypothesis.text).toBe(hypothesis.words.map((w) => w.word).join(' '));
  let previousEnd = 0;
  for (const w of hypothesis.words) {
    expect(w.word).toMatch(/^[^<[(]+$/);
    expect(w.startMs).toBeGreaterThanOrEqual(previousEnd);
    expect(w.endMs).toBeGreaterThan(w.startMs);
    expect(w.endMs).toBeLessThanOrEqual(audioMs);
    previousEnd = w.endMs;
  }
}

async function transcribe(stream: AsrStream, samples: Float32Array, chunk = CHUNK): Promise<AsrHypothesis> {
  await stream.startUtterance();
  for (let i = 0; i < samples.length; i += chunk) await stream.accept(samples.subarray(i, i + chunk));
  return stream.endUtterance();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const liveDecoders = (): number => loadNativeBinding().liveDecoderCount();

describe('PocketSphinxEngine', () => {
  let engine: PocketSphinxEngine;
  const goForward = readRaw(join(TEST_DATA, 'goforward.raw'));
  const goForwardMs = (goForward.length / 16000) * 1000;

  beforeAll(async () => {
    engine = await PocketSphinxEngine.create();
  });

  afterAll(async () => {
    await engine.close();
  });

  it('streams goforward.raw in 100 ms chunks: partials along the way, the exact final text', async () => {
    const stream = await engine.openStream();
    await stream.startUtterance();
    const partials: string[] = [];
    for (let i = 0; i < goForward.length; i += CHUNK) {
      const partial = await stream.accept(goForward.subarray(i, i + CHUNK));
      expectWellFormed(partial, ((i + Math.min(CHUNK, goForward.length - i)) / 16000) * 1000);
      partials.push(partial.text);
    }
    const final = await stream.endUtterance();
    stream.close();

    expect(partials.slice(0, -1).some((text) => text !== '')).toBe(true);
    expect(final.text).toBe('go forward ten meters');
    expect(final.words.map((w) => w.word)).toEqual(['go', 'forward', 'ten', 'meters']);
    expectWellFormed(final, goForwardMs);
  });

  it('gets the final pass within WER 0.45 of LibriVox transcripts', async () => {
    const stream = await engine.openStream();
    for (const id of ['sense_and_sensibility_01_austen_64kb-0870', 'sense_and_sensibility_01_austen_64kb-0880']) {
      const { samples, reference } = librivox(id);
      const final = await transcribe(stream, samples);
      expectWellFormed(final, (samples.length / 16000) * 1000);
      expect(wordErrorRate(reference, final.text), `${id}: "${final.text}"`).toBeLessThanOrEqual(0.45);
    }
    stream.close();
  }, 120_000);

  it('gives concurrent streams the same results as sequential ones', async () => {
    const inputs = [
      goForward,
      librivox('sense_and_sensibility_01_austen_64kb-0880').samples,
      librivox('sense_and_sensibility_01_austen_64kb-0930').samples,
    ];
    const decode = async (samples: Float32Array): Promise<AsrHypothesis> => {
      const stream = await engine.openStream();
      try {
        return await transcribe(stream, samples);
      } finally {
        stream.close();
      }
    };
    const sequential: AsrHypothesis[] = [];
    for (const samples of inputs) sequential.push(await decode(samples));
    const concurrent = await Promise.all(inputs.map(decode));

    expect(concurrent).toEqual(sequential);
    expect(sequential[0]!.text).toBe('go forward ten meters');
  }, 120_000);

  it('keeps the event loop responsive while a long utterance decodes in one call', async () => {
    const { samples } = librivox('sense_and_sensibility_01_austen_64kb-0920');
    const stream = await engine.openStream();
    await stream.startUtterance();
    try {
      const turns = await loopTurnsDuring(() => stream.accept(samples));
      // A decode of this length on the main thread would be one blocking call: at most a turn or two.
      expect(turns).toBeGreaterThan(10);
      await stream.endUtterance();
    } finally {
      stream.close();
    }
  }, 60_000);

  it('queues overlapping calls from a careless caller instead of failing', async () => {
    const stream = await engine.openStream();
    const buffer = new Float32Array(CHUNK);
    const calls: Promise<unknown>[] = [stream.startUtterance()];
    for (let i = 0; i < goForward.length; i += CHUNK) {
      const chunk = goForward.subarray(i, i + CHUNK);
      buffer.set(chunk); // reused at once: accept must have copied it
      calls.push(stream.accept(buffer.subarray(0, chunk.length)));
    }
    const final = stream.endUtterance();
    await Promise.all(calls);
    expect((await final).text).toBe('go forward ten meters');
    stream.close();
  });

  it('cleans a decoder closed mid-utterance before another stream reuses it', async () => {
    const reference = await transcribe(await engine.openStream(), goForward);
    await engine.close(); // drop the pool, so the next streams share one decoder
    engine = new PocketSphinxEngine({ maxIdleDecoders: 1 });

    const first = await engine.openStream();
    await first.startUtterance();
    await first.accept(librivox('sense_and_sensibility_01_austen_64kb-0930').samples);
    first.close();
    await vi.waitFor(() => expect(engine.idleDecoders).toBe(1), { timeout: 10_000 });
    const before = liveDecoders();
    const second = await engine.openStream();
    expect(liveDecoders()).toBe(before); // reused, not created
    const again = await transcribe(second, goForward);
    second.close();
    expect(again).toEqual(reference);
    await vi.waitFor(() => expect(engine.idleDecoders).toBe(1), { timeout: 10_000 });
  });

  it('rejects use of a closed stream with a clear error; close is idempotent', async () => {
    const stream = await engine.openStream();
    await stream.startUtterance();
    const inFlight = stream.accept(goForward);
    await sleep(20); // the decode is on the threadpool now
    const queued = stream.accept(goForward);
    stream.close();
    stream.close();
    await expect(inFlight).resolves.toHaveProperty('text');
    await expect(queued).rejects.toThrow(/stream is closed/);
    await expect(stream.accept(goForward)).rejects.toThrow(/stream is closed/);
    await expect(stream.endUtterance()).rejects.toThrow(/stream is closed/);
    await expect(stream.startUtterance()).rejects.toThrow(/stream is closed/);
    await vi.waitFor(() => expect(engine.idleDecoders).toBe(1), { timeout: 10_000 });
  });

  it('prewarms decoders and frees every one on close, including those of open streams', async () => {
    const baseline = liveDecoders();
    const other = new PocketSphinxEngine({ maxIdleDecoders: 2 });
    await expect(other.prewarm(3)).rejects.toThrow(ParleyError);
    await other.prewarm(2);
    expect(other.idleDecoders).toBe(2);
    expect(liveDecoders()).toBe(baseline + 2);

    const streams = await Promise.all([other.openStream(), other.openStream(), other.openStream()]);
    expect(liveDecoders()).toBe(baseline + 3);
    await streams[0]!.startUtterance();
    const inFlight = streams[0]!.accept(goForward);
    await sleep(20);
    streams[1]!.close();

    await other.close();
    await other.close();
    expect(liveDecoders()).toBe(baseline);
    await expect(inFlight).resolves.toHaveProperty('text');
    await expect(streams[2]!.accept(goForward)).rejects.toThrow(/stream is closed/);
    await expect(other.openStream()).rejects.toThrow(/engine is closed/);
  });

  it('fails creation with engine_failure and the reason when a model file is missing', async () => {
    const baseline = liveDecoders();
    const failed = PocketSphinxEngine.create({ dict: '/nonexistent/cmudict.dict' });
    await expect(failed).rejects.toMatchObject({ code: 'engine_failure', message: expect.stringMatching(/dictionary/) });
    expect(liveDecoders()).toBe(baseline);
    expect(() => new PocketSphinxEngine({ maxIdleDecoders: -1 })).toThrow(/maxIdleDecoders/);

    const unpooled = await PocketSphinxEngine.create({ maxIdleDecoders: 0 });
    expect([unpooled.idleDecoders, liveDecoders()]).toEqual([0, baseline]);
    await unpooled.close();
  });
});
