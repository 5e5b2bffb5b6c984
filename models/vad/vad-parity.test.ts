import { basename } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { librivoxWavPaths, readPcm16Wav } from './testing/librivox-wav.js';
import { referenceProbabilities } from './testing/silero-reference.js';
import { VadEngine } from './vad-engine.js';
import type { VadChunk, VadStream } from './vad-stream.js';

const TOLERANCE = 1e-4;

interface Fixture {
  name: string;
  samples: Float32Array;
  reference: number[];
}

function expectParity(chunks: VadChunk[], fixture: Fixture): void {
  expect(chunks.length, fixture.name).toBe(fixture.reference.length);
  chunks.forEach((chunk, k) => {
    expect(chunk.startMs).toBe(k * 32);
    expect(chunk.endMs).toBe((k + 1) * 32);
    const diff = Math.abs(chunk.prob - fixture.reference[k]!);
    if (diff > TOLERANCE) {
      throw new Error(`${fixture.name} chunk ${k}: ${chunk.prob} vs reference ${fixture.reference[k]}`);
    }
  });
}

/** Pushes `samples` in pieces cycling through `sizes`, all calls issued before any resolves. */
async function pushInPieces(stream: VadStream, samples: Float32Array, sizes: number[]): Promise<VadChunk[]> {
  const pushes: Promise<VadChunk[]>[] = [];
  for (let offset = 0, i = 0; offset < samples.length; i += 1) {
    const size = sizes[i % sizes.length]!;
    pushes.push(stream.push(samples.subarray(offset, offset + size)));
    offset += size;
  }
  return (await Promise.all(pushes)).flat();
}

describe('VadStream matches the package single-stream SileroVad', () => {
  let fixtures: Fixture[];
  let engine: VadEngine | undefined;

  beforeAll(async () => {
    fixtures = [];
    for (const path of librivoxWavPaths()) {
      const samples = readPcm16Wav(path);
      fixtures.push({ name: basename(path), samples, reference: await referenceProbabilities(samples) });
    }
    expect(fixtures.length).toBeGreaterThanOrEqual(4);
  });

  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('one stream at a time (batch of 1)', async () => {
    engine = await VadEngine.load();
    for (const fixture of fixtures) {
      const stream = engine.openStream();
      expectParity(await stream.push(fixture.samples), fixture);
      stream.close();
    }
    expect(engine.stats.largestBatch).toBe(1);
  });

  it('streams over different files pushed concurrently share batches', async () => {
    engine = await VadEngine.load();
    const streams = fixtures.map(() => engine!.openStream());
    const results = await Promise.all(fixtures.map((f, i) => streams[i]!.push(f.samples)));
    results.forEach((chunks, i) => expectParity(chunks, fixtures[i]!));

    const lengths = fixtures.map((f) => f.reference.length);
    expect(engine.stats.items).toBe(lengths.reduce((a, b) => a + b));
    expect(engine.stats.largestBatch).toBe(fixtures.length);
    // The streams move in lockstep: chunk k of every stream still running shares one batch.
    expect(engine.stats.batches).toBe(Math.max(...lengths));
  });

  it('odd push sizes give the same probabilities, alone and batched', async () => {
    engine = await VadEngine.load({ maxBatch: 3 });
    const sizes = [100, 333, 1, 512, 1031];
    const single = engine.openStream();
    expectParity(await pushInPieces(single, fixtures[0]!.samples, sizes), fixtures[0]!);

    const streams = fixtures.map(() => engine!.openStream());
    const results = await Promise.all(fixtures.map((f, i) => pushInPieces(streams[i]!, f.samples, sizes)));
    results.forEach((chunks, i) => expectParity(chunks, fixtures[i]!));
    expect(engine.stats.largestBatch).toBe(3);
  });
});
