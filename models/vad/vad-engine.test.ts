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

  it('bad batcher options fail the load without leaking the model', async () => {
    const release = vi.spyOn(sessionPrototype, 'release');
    await expect(VadEngine.load({ maxBatch: 0, thread: 'caller' })).rejects.toMatchObject({ code: 'bad_config' });
    expect(release).toHaveBeenCalledTimes(1);
  });
});
