import { describe, expect, it } from 'vitest';
import type { VadModelInput, VadModelOutput } from './silero-vad-model.js';
import { VadStream, type VadChunkRunner } from './vad-stream.js';

/**
 * A runner whose state counts the chunks a stream has been scored on: prob = count so far.
 * A chunk sent before its predecessor's result came back would repeat a count.
 */
class CountingRunner implements VadChunkRunner {
  readonly inputs: Float32Array[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failAt = -1;
  onRun: (() => void) | undefined;

  async run(item: VadModelInput): Promise<VadModelOutput> {
    this.inputs.push(item.input);
    this.onRun?.();
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    if (this.inputs.length - 1 === this.failAt) throw new Error('model failed');
    const state = new Float32Array(256);
    state[0] = item.state[0]! + 1;
    return { prob: item.state[0]!, state };
  }
}

function ramp(from: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => from + i);
}

describe('VadStream', () => {
  it('cuts any push sizes into 512-sample chunks with the previous 64 samples as context', async () => {
    const runner = new CountingRunner();
    const stream = new VadStream(runner);
    const audio = ramp(1, 3 * 512 + 100);
    const sizes = [100, 333, 1, 700, 0, 500];
    const pushes: Promise<unknown>[] = [];
    for (let offset = 0, i = 0; offset < audio.length; i += 1) {
      const size = sizes[i % sizes.length]!;
      pushes.push(stream.push(audio.subarray(offset, offset + size)));
      offset += size;
    }
    await Promise.all(pushes);
    expect(runner.inputs).toHaveLength(3);
    expect(Array.from(runner.inputs[0]!.subarray(0, 64))).toEqual(new Array(64).fill(0));
    runner.inputs.forEach((input, k) => {
      expect(input).toHaveLength(576);
      expect(Array.from(input.subarray(64))).toEqual(Array.from(audio.subarray(k * 512, (k + 1) * 512)));
      if (k > 0) expect(Array.from(input.subarray(0, 64))).toEqual(Array.from(audio.subarray(k * 512 - 64, k * 512)));
    });
    expect(stream.positionMs).toBeCloseTo((audio.length / 16000) * 1000, 9);
  });

  it('scores chunks strictly in order and threads the state across overlapping pushes', async () => {
    const runner = new CountingRunner();
    const stream = new VadStream(runner);
    const results = await Promise.all([
      stream.push(ramp(0, 1000)),
      stream.push(ramp(0, 30)),
      stream.push(ramp(0, 2100)),
    ]);
    expect(results.map((chunks) => chunks.length)).toEqual([1, 1, 4]);
    const chunks = results.flat();
    expect(chunks.map((c) => c.prob)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(chunks.map((c) => [c.startMs, c.endMs])).toEqual([0, 1, 2, 3, 4, 5].map((k) => [k * 32, k * 32 + 32]));
    expect(runner.maxInFlight).toBe(1);
  });

  it('close() rejects queued pushes and later ones; it is idempotent and notifies once', async () => {
    const runner = new CountingRunner();
    let closes = 0;
    const stream = new VadStream(runner, { onClose: () => (closes += 1) });
    // Closed while its first chunk is in the model: the rest of the push is abandoned.
    runner.onRun = () => {
      stream.close();
      stream.close();
    };
    const first = stream.push(ramp(0, 512 * 3));
    const queued = stream.push(ramp(0, 512));
    await expect(first).rejects.toMatchObject({ code: 'session_ended' });
    await expect(queued).rejects.toMatchObject({ code: 'session_ended' });
    await expect(stream.push(ramp(0, 512))).rejects.toMatchObject({ code: 'session_ended' });
    expect(runner.inputs).toHaveLength(1);
    expect(closes).toBe(1);
    expect(stream.closed).toBe(true);
  });

  it('after a failed chunk every later push fails: the state no longer matches the audio', async () => {
    const runner = new CountingRunner();
    runner.failAt = 1;
    const stream = new VadStream(runner);
    const results = await Promise.allSettled([stream.push(ramp(0, 512 * 3)), stream.push(ramp(0, 10))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(stream.push(ramp(0, 512))).rejects.toThrow('model failed');
    expect(runner.inputs).toHaveLength(2);
  });
});
