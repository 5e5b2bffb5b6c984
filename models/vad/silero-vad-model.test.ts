import { InferenceSession } from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SileroVadModel, type VadModelInput, type VadModelOutput } from './silero-vad-model.js';
import { librivoxWavPaths, readPcm16Wav } from './testing/librivox-wav.js';

/** Steps chunk `steps` of a file alone, starting from a state built over its earlier chunks. */
async function itemAfter(model: SileroVadModel, samples: Float32Array, steps: number): Promise<VadModelInput> {
  let state: Float32Array = new Float32Array(256);
  const inputAt = (k: number): Float32Array => {
    const input = new Float32Array(576);
    if (k > 0) input.set(samples.subarray(k * 512 - 64, k * 512), 0);
    input.set(samples.subarray(k * 512, (k + 1) * 512), 64);
    return input;
  };
  for (let k = 0; k < steps; k += 1) [{ state }] = await model.runBatch([{ input: inputAt(k), state }]);
  return { input: inputAt(steps), state };
}

// The typings expose only the factory, but every session it creates shares this prototype.
const sessionPrototype = (InferenceSession as unknown as { prototype: InferenceSession }).prototype;

describe('SileroVadModel', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a batch gives each stream what it gets alone ([2, batch, 128] state layout)', async () => {
    const model = await SileroVadModel.load();
    expect([model.chunkSamples, model.contextSamples, model.executionProvider]).toEqual([512, 64, 'cpu']);
    const files = librivoxWavPaths().slice(0, 4).map(readPcm16Wav);
    // Mid-speech states differ per stream, so a mixed-up layout cannot go unnoticed.
    const items = await Promise.all(files.map((samples, i) => itemAfter(model, samples, 20 + 7 * i)));
    const alone: VadModelOutput[] = [];
    for (const item of items) alone.push((await model.runBatch([item]))[0]!);
    const batched = await model.runBatch(items);

    expect(batched).toHaveLength(items.length);
    batched.forEach((out, b) => {
      expect(Math.abs(out.prob - alone[b]!.prob)).toBeLessThan(1e-5);
      expect(out.state).toHaveLength(256);
      const worst = out.state.reduce((m, v, i) => Math.max(m, Math.abs(v - alone[b]!.state[i]!)), 0);
      expect(worst).toBeLessThan(1e-5);
    });
    expect(new Set(batched.map((o) => o.prob.toFixed(4))).size).toBeGreaterThan(1);
    expect(await model.runBatch([])).toEqual([]);
    await model.close();
  });

  it('rejects items of the wrong size with engine_failure', async () => {
    const model = await SileroVadModel.load();
    await expect(
      model.runBatch([{ input: new Float32Array(512), state: new Float32Array(256) }]),
    ).rejects.toMatchObject({ code: 'engine_failure' });
    await model.close();
  });

  it('close() waits for the run in flight, releases the session once, and later runs reject', async () => {
    const release = vi.spyOn(sessionPrototype, 'release');
    const model = await SileroVadModel.load();
    const running = model.runBatch([{ input: new Float32Array(576), state: new Float32Array(256) }]);
    const closed = model.close();
    expect(model.close()).toBe(closed);
    const [out] = await running;
    expect(out!.prob).toBeGreaterThanOrEqual(0);
    await closed;
    expect(release).toHaveBeenCalledTimes(1);
    expect(model.closed).toBe(true);
    await expect(
      model.runBatch([{ input: new Float32Array(576), state: new Float32Array(256) }]),
    ).rejects.toMatchObject({ code: 'session_ended' });
    await model.close();
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('a missing model file fails with engine_failure', async () => {
    await expect(SileroVadModel.load({ modelPath: '/nonexistent/silero.onnx' })).rejects.toMatchObject({
      code: 'engine_failure',
    });
  });
});
