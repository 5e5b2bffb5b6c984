import { InferenceSession } from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VadEngine } from './vad-engine.js';

// The typings expose only the factory, but every session it creates shares this prototype.
const sessionPrototype = (InferenceSession as unknown as { prototype: InferenceSession }).prototype;

describe('VadEngine', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('tracks open streams and close() cascades to streams, batcher and model', async () => {
    const release = vi.spyOn(sessionPrototype, 'release');
    const engine = await VadEngine.load({ maxBatch: 4, thread: 'caller' });
    const a = engine.openStream();
    const b = engine.openStream();
    expect(engine.openStreams).toBe(2);
    b.close();
    expect(engine.openStreams).toBe(1);

    const pending = a.push(new Float32Array(512 * 4));
    const closed = engine.close();
    expect(engine.close()).toBe(closed);
    await expect(pending).rejects.toMatchObject({ code: 'session_ended' });
    await closed;
    expect(a.closed).toBe(true);
    expect(engine.openStreams).toBe(0);
    expect(release).toHaveBeenCalledTimes(1);
    expect(() => engine.openStream()).toThrow(expect.objectContaining({ code: 'session_ended' }));
  });

  it('chunks of a stream closed while its batch waits for the scheduler never reach the model; the other streams\' do', async () => {
    const held: Array<() => void> = [];
    // A scheduler that holds the batch, as a busy one would.
    const engine = await VadEngine.load({ thread: 'caller', runThrough: (_deadline, run) => new Promise<void>((resolve) => held.push(resolve)).then(run) });
    try {
      const closing = engine.openStream();
      const staying = engine.openStream();
      const dropped = closing.push(new Float32Array(512));
      const scored = staying.push(new Float32Array(512));
      await vi.waitFor(() => expect(held).toHaveLength(1));
      closing.close();
      held.shift()!();
      await expect(dropped).rejects.toMatchObject({ code: 'session_ended' });
      await expect(scored).resolves.toHaveLength(1);
      expect(engine.stats).toEqual({ batches: 1, items: 1, largestBatch: 1 });
    } finally {
      await engine.close();
    }
  });

  it('bad batcher options fail the load without leaking the model', async () => {
    const release = vi.spyOn(sessionPrototype, 'release');
    await expect(VadEngine.load({ maxBatch: 0, thread: 'caller' })).rejects.toMatchObject({ code: 'bad_config' });
    expect(release).toHaveBeenCalledTimes(1);
  });
});
