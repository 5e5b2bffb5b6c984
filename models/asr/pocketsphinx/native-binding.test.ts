import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { afterEach, describe, expect, it } from 'vitest';

import {
  loadNativeBinding,
  nativeAddonPath,
  type NativeDecoder,
  type NativeDecoderOptions,
} from './native-binding.js';

const MODEL = '/usr/share/pocketsphinx/model/en-us';
const OPTIONS: NativeDecoderOptions = {
  hmm: join(MODEL, 'en-us'),
  lm: join(MODEL, 'en-us.lm.bin'),
  dict: join(MODEL, 'cmudict-en-us.dict'),
  args: ['-remove_silence', 'no'],
};

const bytes = readFileSync('/usr/share/pocketsphinx/test/data/goforward.raw');
const goForward = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

const native = loadNativeBinding();
const created: NativeDecoder[] = [];

async function createDecoder(): Promise<NativeDecoder> {
  const decoder = await native.Decoder.createAsync(OPTIONS);
  created.push(decoder);
  return decoder;
}

/** Nice value of each thread of this process, by thread id. */
function threadNiceness(): Map<number, number> {
  const niceness = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread exited meanwhile
    }
    // Field 19 of proc(5)'s stat; the command name (field 2) may hold spaces, so count after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    niceness.set(Number(tid), Number(fields[16]));
  }
  return niceness;
}

afterEach(() => {
  for (const decoder of created.splice(0)) decoder.release();
});

describe('PocketSphinx native binding', () => {
  it('decodes, segments without fillers, and counts live decoders', async () => {
    const before = native.liveDecoderCount();
    const decoder = await createDecoder();
    expect(native.liveDecoderCount()).toBe(before + 1);
    expect([decoder.frameRate, decoder.sampleRate]).toEqual([100, 16000]);

    decoder.startUtt();
    const partial = await decoder.processAsync(goForward);
    expect(partial.frames).toBeGreaterThan(270);
    const final = await decoder.endUttAsync();
    expect(final.text).toBe('go forward ten meters');
    expect(final.words.map((w) => w.word)).toEqual(['go', 'forward', 'ten', 'meters']);
    for (const w of final.words) expect(w.endFrame).toBeGreaterThanOrEqual(w.startFrame);

    decoder.release();
    decoder.release();
    expect(decoder.released).toBe(true);
    expect(native.liveDecoderCount()).toBe(before);
    expect(() => decoder.startUtt()).toThrow(/released decoder/);
    await expect(decoder.processAsync(goForward)).rejects.toThrow(/released decoder/);
  });

  it('counts word frames from the start of each utterance', async () => {
    const decoder = await createDecoder();
    for (let utterance = 0; utterance < 2; utterance++) {
      decoder.startUtt();
      await decoder.processAsync(goForward);
      const final = await decoder.endUttAsync();
      expect(final.words[0]!.startFrame).toBeLessThan(100);
      expect(final.words.at(-1)!.endFrame).toBeLessThan(final.frames);
    }
  });

  it('rejects calls while one is in flight', async () => {
    const decoder = await createDecoder();
    decoder.startUtt();
    const inFlight = decoder.processAsync(goForward);
    expect(decoder.busy).toBe(true);
    await expect(decoder.processAsync(goForward)).rejects.toThrow(/in flight/);
    await expect(decoder.endUttAsync()).rejects.toThrow(/in flight/);
    expect(() => decoder.reset()).toThrow(/in flight/);
    await expect(inFlight).resolves.toHaveProperty('text');
    expect((await decoder.endUttAsync()).text).toBe('go forward ten meters');
  });

  it('defers release until the call in flight completes', async () => {
    const before = native.liveDecoderCount();
    const decoder = await createDecoder();
    decoder.startUtt();
    const inFlight = decoder.processAsync(goForward);
    decoder.release();
    expect(decoder.released).toBe(true);
    expect(native.liveDecoderCount()).toBe(before + 1);
    expect((await inFlight).text).toBe('go forward ten meters');
    expect(native.liveDecoderCount()).toBe(before);
  });

  it('copies the input: the caller may overwrite its buffer at once', async () => {
    const decoder = await createDecoder();
    decoder.startUtt();
    const buffer = goForward.slice();
    const processing = decoder.processAsync(buffer);
    buffer.fill(0);
    await processing;
    expect((await decoder.endUttAsync()).text).toBe('go forward ten meters');
  });

  it('enforces the utterance state machine', async () => {
    const decoder = await createDecoder();
    await expect(decoder.processAsync(goForward)).rejects.toThrow(/startUtt/);
    await expect(decoder.endUttAsync()).rejects.toThrow(/without an open utterance/);
    decoder.startUtt();
    expect(() => decoder.startUtt()).toThrow(/utterance is open/);
    expect(() => decoder.reset()).toThrow(/utterance is open/);
    await expect(decoder.processAsync(new Float32Array(4) as unknown as Int16Array)).rejects.toThrow(/Int16Array/);
  });

  it('carries live CMN across utterances; reset makes a used decoder decode like a fresh one', async () => {
    const decodeAll = async (decoder: NativeDecoder, samples: Int16Array) => {
      decoder.startUtt();
      await decoder.processAsync(samples);
      return decoder.endUttAsync();
    };
    const quiet = goForward.map((sample) => sample >> 4); // shifts the CMN estimate
    const expected = await decodeAll(await createDecoder(), goForward);

    const carried = await createDecoder();
    await decodeAll(carried, quiet);
    expect(await decodeAll(carried, goForward)).not.toEqual(expected);

    const used = await createDecoder();
    await decodeAll(used, quiet);
    used.reset();
    expect(await decodeAll(used, goForward)).toEqual(expected);
  });

  it('survives a worker_thread terminated mid-decode and frees its decoder', async () => {
    const before = native.liveDecoderCount();
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
      const native = require(workerData.addon);
      native.Decoder.createAsync(workerData.options).then((decoder) => {
        decoder.startUtt();
        decoder.processAsync(workerData.samples);
        parentPort.postMessage('decoding');
      });`,
      { eval: true, workerData: { addon: nativeAddonPath(), options: OPTIONS, samples: goForward } },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    expect(native.liveDecoderCount()).toBe(before + 1);
    await worker.terminate();
    expect(native.liveDecoderCount()).toBe(before);
  });

  it('creates and decodes on threadpool threads lowered to the requested niceness; the main thread keeps its own', async () => {
    // Relative to the main thread's, so the test holds when the whole run is niced.
    const base = threadNiceness().get(process.pid)!;
    const target = Math.min(base + 10, 19);
    expect(target).toBeGreaterThan(base);
    expect([...threadNiceness().values()]).not.toContain(target);

    const decoder = await native.Decoder.createAsync({ ...OPTIONS, niceness: target });
    created.push(decoder);
    decoder.startUtt();
    await decoder.processAsync(goForward);
    expect((await decoder.endUttAsync()).text).toBe('go forward ten meters');

    const after = threadNiceness();
    expect(after.get(process.pid)).toBe(base);
    expect([...after.values()]).toContain(target);
    for (const niceness of [-1, 20, 2.5, Number.NaN, '5']) {
      await expect(native.Decoder.createAsync({ ...OPTIONS, niceness: niceness as number })).rejects.toThrow(/niceness must be an integer from 0 to 19/);
    }
  });

  it('explains creation failures and refuses -logfn', async () => {
    await expect(native.Decoder.createAsync({ ...OPTIONS, hmm: '/nonexistent' })).rejects.toThrow(/mdef/);
    await expect(native.Decoder.createAsync({ ...OPTIONS, args: ['-bogus', '1'] })).rejects.toThrow(/Unknown argument name '-bogus'/);
    await expect(native.Decoder.createAsync({ ...OPTIONS, args: ['-logfn', '/dev/null'] })).rejects.toThrow(/-logfn/);
    const Decoder = native.Decoder as unknown as new () => unknown;
    expect(() => new Decoder()).toThrow(/createAsync/);
  });

  it('gives a freed decoder\'s memory back to the system, not only to the allocator', async () => {
    const rssMb = () => process.memoryUsage().rss / 2 ** 20;
    const before = rssMb();
    const decoders = await Promise.all(Array.from({ length: 6 }, () => native.Decoder.createAsync(OPTIONS)));
    const grown = rssMb() - before;
    // Each decoder holds its own copy of the models: tens of MB.
    expect(grown).toBeGreaterThan(6 * 40);
    decoders.forEach((d) => d.release());
    expect(rssMb() - before).toBeLessThan(grown / 3);
  });
});
