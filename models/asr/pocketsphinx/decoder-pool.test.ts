import { readFileSync } from 'node:fs';

import { describe, expect, it, vi } from 'vitest';

import { ParleyError } from '../../../proto/errors.js';
import type { AsrStream } from '../asr-engine.js';
import { loadNativeBinding } from './native-binding.js';
import { PocketSphinxEngine, type EngineWork, type RunThrough } from './pocketsphinx-engine.js';

// The pool is tested through the engine, with real decoders: what counts is how many exist.

const bytes = readFileSync('/usr/share/pocketsphinx/test/data/goforward.raw');
const goForward = Float32Array.from(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), (v) => v / 32768);

const nativeLive = (): number => loadNativeBinding().liveDecoderCount();

/** A scheduler that records the work it is given and holds it until `open()`. */
class Gate {
  readonly works: EngineWork[] = [];
  readonly #held: Array<() => void> = [];
  #open = false;

  readonly runThrough: RunThrough = (work, run) => {
    this.works.push(work);
    if (this.#open) return run();
    return new Promise<void>((resolve) => this.#held.push(resolve)).then(run);
  };

  open(): void {
    this.#open = true;
    for (const release of this.#held.splice(0)) release();
  }
}

/** Records which stream promises have resolved, in order. */
function track(label: string, opening: Promise<AsrStream>, order: string[]): Promise<AsrStream> {
  return opening.then((stream) => {
    order.push(label);
    return stream;
  });
}

async function decodeGoForward(stream: AsrStream): Promise<string> {
  await stream.startUtterance();
  await stream.accept(goForward);
  return (await stream.endUtterance()).text;
}

describe('PocketSphinx decoder pool', () => {
  it('never has more than maxDecoders alive: later streams wait, first come first served, for a drained decoder', async () => {
    const baseline = nativeLive();
    const works: EngineWork[] = [];
    const engine = new PocketSphinxEngine({
      maxDecoders: 2,
      maxIdleDecoders: 1,
      runThrough: (work, run) => {
        works.push(work);
        return run();
      },
    });
    const [a, b] = await Promise.all([engine.openStream(), engine.openStream()]);
    const order: string[] = [];
    const c = track('c', engine.openStream(), order);
    const d = track('d', engine.openStream(), order);
    expect([engine.liveDecoders, engine.waitingStreams, nativeLive() - baseline]).toEqual([2, 2, 2]);

    await a.startUtterance();
    await a.accept(goForward);
    a.close(); // mid-utterance: drained before c gets it
    const streamC = await c;
    expect(order).toEqual(['c']);
    expect(engine.waitingStreams).toBe(1);
    b.close();
    const streamD = await d;
    expect(order).toEqual(['c', 'd']);

    expect(works).toEqual(['create_decoder', 'create_decoder', 'drain_stream']);
    expect(nativeLive() - baseline).toBe(2);
    expect(await decodeGoForward(streamC)).toBe('go forward ten meters');
    streamC.close();
    streamD.close();
    await engine.close();
    expect([engine.liveDecoders, nativeLive()]).toEqual([0, baseline]);
  });

  it('a decoder created for a client that gave up serves the next: clients that come and go cost no creation beyond the cap', async () => {
    const baseline = nativeLive();
    const gate = new Gate();
    const engine = new PocketSphinxEngine({ maxDecoders: 2, maxIdleDecoders: 2, runThrough: gate.runThrough });

    const quitters = Array.from({ length: 5 }, () => new AbortController());
    const quitting = quitters.map(({ signal }) => engine.openStream({ signal }));
    expect([engine.waitingStreams, engine.liveDecoders]).toEqual([5, 2]);
    for (const controller of quitters) controller.abort();
    for (const opening of quitting) await expect(opening).rejects.toMatchObject({ code: 'session_ended' });
    expect(engine.waitingStreams).toBe(0);

    const order: string[] = [];
    const stayers = ['x', 'y', 'z'].map((label) => track(label, engine.openStream(), order));
    expect([engine.waitingStreams, engine.liveDecoders]).toEqual([3, 2]);
    gate.open();
    const [x, y] = await Promise.all(stayers.slice(0, 2));
    expect(order).toEqual(['x', 'y']);
    expect(engine.waitingStreams).toBe(1);
    x!.close();
    const z = await stayers[2]!;
    expect(order).toEqual(['x', 'y', 'z']);

    expect(gate.works).toEqual(['create_decoder', 'create_decoder']);
    expect(nativeLive() - baseline).toBe(2);
    y!.close();
    z.close();
    await engine.close();
    expect(nativeLive()).toBe(baseline);
  });

  it('an aborted signal rejects at once and creates nothing', async () => {
    const gate = new Gate();
    const engine = new PocketSphinxEngine({ runThrough: gate.runThrough });
    await expect(engine.openStream({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'session_ended' });
    expect([gate.works, engine.liveDecoders, engine.waitingStreams]).toEqual([[], 0, 0]);
    await engine.close();
  });

  it('a creation the scheduler drops fails the waiting stream with its error and leaves nothing alive', async () => {
    const baseline = nativeLive();
    const dropped = new ParleyError('session_ended', 'dropped by the scheduler');
    const engine = new PocketSphinxEngine({
      runThrough: (work, run) => (work === 'create_decoder' ? Promise.reject(dropped) : run()),
    });
    await expect(engine.openStream()).rejects.toBe(dropped);
    expect([engine.liveDecoders, engine.waitingStreams, nativeLive()]).toEqual([0, 0, baseline]);
    await engine.close();
  });

  it('failed creations reject the waiting streams one each, with engine_failure', async () => {
    const baseline = nativeLive();
    const engine = new PocketSphinxEngine({ dict: '/nonexistent/cmudict.dict', maxDecoders: 1 });
    const openings = [engine.openStream(), engine.openStream(), engine.openStream()];
    for (const opening of openings) {
      await expect(opening).rejects.toMatchObject({ code: 'engine_failure', message: expect.stringMatching(/dictionary/) });
    }
    expect([engine.liveDecoders, engine.waitingStreams, nativeLive()]).toEqual([0, 0, baseline]);
    await engine.close();
  });

  it('a drain the scheduler drops frees the decoder instead of pooling it; a stream between utterances needs no drain', async () => {
    const baseline = nativeLive();
    const works: EngineWork[] = [];
    const engine = new PocketSphinxEngine({
      maxIdleDecoders: 1,
      runThrough: (work, run) => {
        works.push(work);
        return work === 'drain_stream' ? Promise.reject(new Error('dropped')) : run();
      },
    });
    const open = await engine.openStream();
    await open.startUtterance();
    await open.accept(goForward);
    open.close();
    await vi.waitFor(() => expect(engine.liveDecoders).toBe(0), { timeout: 10_000 });
    expect([engine.idleDecoders, nativeLive()]).toEqual([0, baseline]);

    const between = await engine.openStream();
    expect(await decodeGoForward(between)).toBe('go forward ten meters');
    between.close();
    await vi.waitFor(() => expect(engine.idleDecoders).toBe(1), { timeout: 10_000 });
    expect(works).toEqual(['create_decoder', 'drain_stream', 'create_decoder']);
    await engine.close();
    expect(nativeLive()).toBe(baseline);
  });

  it('close() rejects waiting streams and returns without waiting for work the scheduler still holds', async () => {
    const baseline = nativeLive();
    const gate = new Gate();
    const engine = new PocketSphinxEngine({ runThrough: gate.runThrough });
    const waiting = expect(engine.openStream()).rejects.toThrow(/engine is closed/);
    expect([gate.works, engine.waitingStreams]).toEqual([['create_decoder'], 1]);
    await engine.close();
    await waiting;

    gate.open(); // the scheduler runs the creation late: the closed pool creates nothing
    await vi.waitFor(() => expect(engine.liveDecoders).toBe(0), { timeout: 10_000 });
    expect(nativeLive()).toBe(baseline);
    await expect(engine.openStream()).rejects.toThrow(/engine is closed/);
  });

  it('close() waits for a creation under way and frees its decoder', async () => {
    const baseline = nativeLive();
    const engine = new PocketSphinxEngine();
    const waiting = expect(engine.openStream()).rejects.toThrow(/engine is closed/);
    expect(engine.liveDecoders).toBe(1); // its creation is on the threadpool now
    await engine.close();
    await waiting;
    expect([engine.liveDecoders, nativeLive()]).toEqual([0, baseline]);
  });

  it('frees idle decoders beyond the prewarmed ones once unused for idleDecoderTtlMs', async () => {
    const engine = new PocketSphinxEngine({ maxDecoders: 4, maxIdleDecoders: 4, idleDecoderTtlMs: 200 });
    try {
      await engine.prewarm(1);
      const streams = await Promise.all(Array.from({ length: 3 }, () => engine.openStream()));
      expect(engine.liveDecoders).toBe(3);
      streams.forEach((s) => s.close());
      await vi.waitFor(() => expect(engine.idleDecoders).toBe(3));
      // Back to the prewarmed one once the burst is over; it stays.
      await vi.waitFor(() => expect(engine.liveDecoders).toBe(1), { timeout: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(engine.idleDecoders).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('validates its limits', () => {
    expect(() => new PocketSphinxEngine({ maxDecoders: 0 })).toThrow(/maxDecoders/);
    expect(() => new PocketSphinxEngine({ maxDecoders: 1.5 })).toThrow(/maxDecoders/);
    expect(() => new PocketSphinxEngine({ maxDecoders: 2, maxIdleDecoders: 3 })).toThrow(/maxIdleDecoders/);
    for (const decodeNiceness of [-1, 20, 0.5]) {
      expect(() => new PocketSphinxEngine({ decodeNiceness })).toThrow(/decodeNiceness/);
    }
    // The default maxIdleDecoders (4) shrinks to a smaller cap instead of failing.
    expect(() => new PocketSphinxEngine({ maxDecoders: 2 })).not.toThrow();
  });
});
