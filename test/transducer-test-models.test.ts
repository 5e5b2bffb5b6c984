/**
 * The small streaming transducers in test/fixtures/transducer/ (built by
 * scripts/models/build-test-transducer.py) have the interface sherpa-onnx's streaming
 * Zipformer exports have, and sherpa-onnx-node decodes real speech with them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOnnxMetadata } from '../models/onnx/onnx-metadata.js';
import { loadLibriVox, type Utterance } from './support/librivox.js';
import { sherpaDecode, sherpaRecognizer, SHERPA_SAMPLE_RATE as SAMPLE_RATE, TAIL_PADDING, type SherpaRecognizer } from './support/sherpa-onnx.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/transducer', import.meta.url));
/** sherpa-onnx reports token times in encoder frames of 40 ms. */
const FRAME_SECONDS = 0.04;

/** A stream of `rec` holding the whole utterance and its tail padding, input finished. */
function finishedStream(rec: SherpaRecognizer, samples: Float32Array): ReturnType<SherpaRecognizer['createStream']> {
  const stream = rec.createStream();
  stream.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
  stream.acceptWaveform({ samples: TAIL_PADDING, sampleRate: SAMPLE_RATE });
  stream.inputFinished();
  return stream;
}

// ---------------------------------------------------------------------------------------
// ONNX metadata

function onnxMetadata(path: string): Map<string, string> {
  return new Map(Object.entries(parseOnnxMetadata(readFileSync(path), path)));
}

function intList(meta: Map<string, string>, key: string): number[] {
  const raw = meta.get(key);
  if (raw === undefined) throw new Error(`metadata has no ${key}`);
  return raw.split(',').map((v) => Number.parseInt(v, 10));
}

// ---------------------------------------------------------------------------------------
// The encoder interface as the reference notes (and sherpa-onnx's csrc) describe it

type Dim = number | 'N';
interface StateSpec {
  name: string;
  shape: Dim[];
  type: 'float32' | 'int64';
}

/** v1: grouped by kind, then by stack, in the order sherpa-onnx stacks them. */
function zipformerStates(meta: Map<string, string>): StateSpec[] {
  const layers = intList(meta, 'num_encoder_layers');
  const dims = intList(meta, 'encoder_dims');
  const att = intList(meta, 'attention_dims');
  const kernels = intList(meta, 'cnn_module_kernels');
  const ctx = intList(meta, 'left_context_len');
  const kinds: [string, (i: number) => Dim[], StateSpec['type']][] = [
    ['cached_len', (i) => [layers[i]!, 'N'], 'int64'],
    ['cached_avg', (i) => [layers[i]!, 'N', dims[i]!], 'float32'],
    ['cached_key', (i) => [layers[i]!, ctx[i]!, 'N', att[i]!], 'float32'],
    ['cached_val', (i) => [layers[i]!, ctx[i]!, 'N', att[i]! / 2], 'float32'],
    ['cached_val2', (i) => [layers[i]!, ctx[i]!, 'N', att[i]! / 2], 'float32'],
    ['cached_conv1', (i) => [layers[i]!, 'N', dims[i]!, kernels[i]! - 1], 'float32'],
    ['cached_conv2', (i) => [layers[i]!, 'N', dims[i]!, kernels[i]! - 1], 'float32'],
  ];
  return kinds.flatMap(([kind, shape, type]) =>
    layers.map((_, i) => ({ name: `${kind}_${i}`, shape: shape(i), type })),
  );
}

/** zipformer2: six tensors per layer over all stacks, then embed_states and processed_lens. */
function zipformer2States(meta: Map<string, string>): StateSpec[] {
  const layers = intList(meta, 'num_encoder_layers');
  const dims = intList(meta, 'encoder_dims');
  const qhd = intList(meta, 'query_head_dims');
  const vhd = intList(meta, 'value_head_dims');
  const heads = intList(meta, 'num_heads');
  const kernels = intList(meta, 'cnn_module_kernels');
  const ctx = intList(meta, 'left_context_len');
  const specs: StateSpec[] = [];
  let j = 0;
  layers.forEach((count, i) => {
    const key = qhd[i]! * heads[i]!;
    const val = vhd[i]! * heads[i]!;
    const half = Math.floor(kernels[i]! / 2);
    for (let l = 0; l < count; l++, j++) {
      specs.push(
        { name: `cached_key_${j}`, shape: [ctx[i]!, 'N', key], type: 'float32' },
        { name: `cached_nonlin_attn_${j}`, shape: [1, 'N', ctx[i]!, (3 * dims[i]!) / 4], type: 'float32' },
        { name: `cached_val1_${j}`, shape: [ctx[i]!, 'N', val], type: 'float32' },
        { name: `cached_val2_${j}`, shape: [ctx[i]!, 'N', val], type: 'float32' },
        { name: `cached_conv1_${j}`, shape: ['N', dims[i]!, half], type: 'float32' },
        { name: `cached_conv2_${j}`, shape: ['N', dims[i]!, half], type: 'float32' },
      );
    }
  });
  specs.push(
    { name: 'embed_states', shape: ['N', 128, 3, 19], type: 'float32' },
    { name: 'processed_lens', shape: ['N'], type: 'int64' },
  );
  return specs;
}

// ---------------------------------------------------------------------------------------
// Tensors with the batch axis anywhere

type Data = Float32Array | BigInt64Array;

function withBatch(shape: Dim[], batch: number): number[] {
  return shape.map((d) => (d === 'N' ? batch : d));
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Concatenates per-stream (batch 1) tensors along `axis`. */
function concatAlong(parts: Data[], shape1: number[], axis: number): Data {
  const outer = size(shape1.slice(0, axis));
  const inner = size(shape1.slice(axis + 1));
  const out = parts[0] instanceof BigInt64Array
    ? new BigInt64Array(parts.length * parts[0].length)
    : new Float32Array(parts.length * parts[0]!.length);
  for (let o = 0; o < outer; o++) {
    parts.forEach((part, b) => {
      (out as Float32Array).set(
        (part as Float32Array).subarray(o * inner, (o + 1) * inner),
        (o * parts.length + b) * inner,
      );
    });
  }
  return out;
}

/** The batch-1 slice of stream `b` out of a tensor whose batch axis is `axis`. */
function sliceAlong(data: Data, shape: readonly number[], axis: number, b: number): Data {
  const batch = shape[axis]!;
  const outer = size(shape.slice(0, axis));
  const inner = size(shape.slice(axis + 1));
  const out = data instanceof BigInt64Array ? new BigInt64Array(outer * inner) : new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const start = (o * batch + b) * inner;
    (out as Float32Array).set((data as Float32Array).subarray(start, start + inner), o * inner);
  }
  return out;
}

function maxAbsDiff(a: Data, b: Data): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(Number(a[i]!) - Number(b[i]!)));
  return worst;
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inputs of one stream (batch 1): log-mel-like features and non-zero states. */
function streamInputs(specs: StateSpec[], T: number, seed: number): Data[] {
  const rnd = mulberry32(seed);
  const x = new Float32Array(T * 80).map(() => -12 + 8 * rnd());
  const states = specs.map((s) => {
    const n = size(withBatch(s.shape, 1));
    if (s.type === 'int64') {
      // cached_len: frames averaged so far; processed_lens: frames seen (fills the left context)
      return new BigInt64Array(n).fill(BigInt(16 + Math.floor(rnd() * 200)));
    }
    return new Float32Array(n).map(() => 2 * rnd() - 1);
  });
  return [x, ...states];
}

// ---------------------------------------------------------------------------------------

const EXPORTS = [
  { name: 'zipformer', T: 39, states: zipformerStates, count: (m: Map<string, string>) => 7 * intList(m, 'num_encoder_layers').length },
  {
    name: 'zipformer2',
    T: 45,
    states: zipformer2States,
    count: (m: Map<string, string>) => 6 * intList(m, 'num_encoder_layers').reduce((a, b) => a + b, 0) + 2,
  },
] as const;

let utterances: Utterance[] = [];
beforeAll(() => {
  utterances = loadLibriVox();
  expect(utterances.length).toBe(5);
});

describe.each(EXPORTS)('$name test transducer', (exp) => {
  const dir = join(FIXTURES, exp.name);
  const meta = onnxMetadata(join(dir, 'encoder.onnx'));
  const specs = exp.states(meta);
  const tokenLines = readFileSync(join(dir, 'tokens.txt'), 'utf8').trim().split('\n');
  const sessions: InferenceSession[] = [];

  async function session(file: string): Promise<InferenceSession> {
    const s = await InferenceSession.create(join(dir, file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.push(s);
    return s;
  }

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.release()));
  });

  it('has the metadata sherpa-onnx reads', () => {
    expect(meta.get('model_type')).toBe(exp.name);
    expect(intList(meta, 'decode_chunk_len')).toEqual([32]);
    expect(intList(meta, 'T')).toEqual([exp.T]); // v1: chunk + 7; zipformer2: chunk + 13
    const stacks = intList(meta, 'num_encoder_layers').length;
    expect(stacks).toBeGreaterThan(1);
    const perStack =
      exp.name === 'zipformer'
        ? ['encoder_dims', 'attention_dims', 'cnn_module_kernels', 'left_context_len']
        : ['encoder_dims', 'query_head_dims', 'value_head_dims', 'num_heads', 'cnn_module_kernels', 'left_context_len'];
    for (const key of perStack) expect(intList(meta, key), key).toHaveLength(stacks);
    expect(meta.has(exp.name === 'zipformer' ? 'query_head_dims' : 'attention_dims')).toBe(false);
    // left_context_len is per stack: frames at 50 Hz divided by that stack's downsampling
    expect(intList(meta, 'left_context_len')[0]).toBe(64);

    const decoderMeta = onnxMetadata(join(dir, 'decoder.onnx'));
    expect(decoderMeta.get('context_size')).toBe('2');
    expect(decoderMeta.get('vocab_size')).toBe(String(tokenLines.length));
    expect(Number(onnxMetadata(join(dir, 'joiner.onnx')).get('joiner_dim'))).toBeGreaterThan(0);
  });

  it('has tokens.txt with <blk> 0 and word-start pieces', () => {
    expect(tokenLines[0]).toBe('<blk> 0');
    tokenLines.forEach((line, i) => expect(line.endsWith(` ${i}`), line).toBe(true));
    expect(tokenLines.length).toBeGreaterThanOrEqual(200);
    expect(tokenLines.filter((l) => l.startsWith('\u2581')).length).toBeGreaterThan(100);
  });

  it.each(['encoder.onnx', 'encoder.int8.onnx'])('%s has the state inputs and outputs of the notes', async (file) => {
    const enc = await session(file);
    expect(specs).toHaveLength(exp.count(meta));
    expect(enc.inputNames).toEqual(['x', ...specs.map((s) => s.name)]);
    expect(enc.outputNames).toEqual(['encoder_out', ...specs.map((s) => `new_${s.name}`)]);
    const joinerDim = Number(onnxMetadata(join(dir, 'joiner.onnx')).get('joiner_dim'));
    const shapes = (list: readonly InferenceSession.ValueMetadata[]) =>
      list.map((m) => (m.isTensor ? { name: m.name, shape: m.shape, type: m.type } : m.name));
    expect(shapes(enc.inputMetadata)).toEqual([
      { name: 'x', shape: ['N', exp.T, 80], type: 'float32' },
      ...specs,
    ]);
    expect(shapes(enc.outputMetadata)).toEqual([
      { name: 'encoder_out', shape: ['N', 8, joinerDim], type: 'float32' },
      ...specs.map((s) => ({ ...s, name: `new_${s.name}` })),
    ]);
  });

  it('has the decoder and joiner interface', async () => {
    const joinerDim = Number(onnxMetadata(join(dir, 'joiner.onnx')).get('joiner_dim'));
    const dec = await session('decoder.onnx');
    expect(dec.inputMetadata).toEqual([{ name: 'y', isTensor: true, type: 'int64', shape: ['N', 2] }]);
    expect(dec.outputMetadata).toEqual([
      { name: 'decoder_out', isTensor: true, type: 'float32', shape: ['N', joinerDim] },
    ]);
    const joiner = await session('joiner.onnx');
    expect(joiner.inputNames).toEqual(['encoder_out', 'decoder_out']);
    expect(joiner.outputMetadata).toEqual([
      { name: 'logit', isTensor: true, type: 'float32', shape: ['N', tokenLines.length] },
    ]);
  });

  it('batches every state along its own batch axis and uses every state and the features', async () => {
    const enc = await session('encoder.onnx');
    const feeds = (inputs: Data[], batch: number) =>
      Object.fromEntries(
        inputs.map((data, k) => {
          const shape = k === 0 ? [batch, exp.T, 80] : withBatch(specs[k - 1]!.shape, batch);
          return [enc.inputNames[k]!, new Tensor(data instanceof BigInt64Array ? 'int64' : 'float32', data, shape)];
        }),
      );
    const axes = [0, ...specs.map((s) => s.shape.indexOf('N'))];
    const shapes1 = [[1, exp.T, 80], ...specs.map((s) => withBatch(s.shape, 1))];
    const streams = [streamInputs(specs, exp.T, 1), streamInputs(specs, exp.T, 2)];
    const alone = await Promise.all(streams.map((inputs) => enc.run(feeds(inputs, 1))));
    const batched = await enc.run(
      feeds(streams[0]!.map((_, k) => concatAlong([streams[0]![k]!, streams[1]![k]!], shapes1[k]!, axes[k]!)), 2),
    );
    enc.outputNames.forEach((name, k) => {
      const out = batched[name]!;
      expect(out.dims, name).toEqual(withBatch(k === 0 ? ['N', 8, out.dims[2]!] : specs[k - 1]!.shape, 2));
      for (const b of [0, 1]) {
        const diff = maxAbsDiff(sliceAlong(out.data as Data, out.dims, axes[k]!, b), alone[b]![name]!.data as Data);
        expect(diff, `${name} of stream ${b}`).toBeLessThan(1e-4);
      }
    });
    // The two streams differ, and so must their outputs.
    expect(maxAbsDiff(alone[0]!.encoder_out!.data as Data, alone[1]!.encoder_out!.data as Data)).toBeGreaterThan(0.1);

    // Changing any one input (features or a state) changes encoder_out.
    const base = alone[0]!.encoder_out!.data as Data;
    for (let k = 0; k < streams[0]!.length; k++) {
      const changed = [...streams[0]!];
      const orig = changed[k]!;
      changed[k] = orig instanceof BigInt64Array ? orig.map(() => 0n) : orig.map((v, i) => v + (i % 2 ? 0.7 : -0.7));
      const out = await enc.run(feeds(changed, 1));
      expect(maxAbsDiff(out.encoder_out!.data as Data, base), enc.inputNames[k]).toBeGreaterThan(1e-3);
    }
  });

  describe('decoded by sherpa-onnx-node (greedy search)', () => {
    const fp32 = () => sherpaRecognizer(dir, 'encoder.onnx');
    const symbols = new Set(tokenLines.map((l) => l.slice(0, l.lastIndexOf(' ')).replace(/^\u2581/, ' ')));

    it.each(['encoder.onnx', 'encoder.int8.onnx'])('%s: tokens with timestamps at a speech-like rate', (file) => {
      const rec = sherpaRecognizer(dir, file);
      for (const u of utterances) {
        const r = sherpaDecode(rec, u.samples);
        const seconds = (u.samples.length + TAIL_PADDING.length) / SAMPLE_RATE;
        const frames = seconds / FRAME_SECONDS;
        // not all blank, not a token every frame: about one token per 2 to 5 frames of speech
        expect(r.tokens.length, u.id).toBeGreaterThan(frames / 8);
        expect(r.tokens.length, u.id).toBeLessThan(frames / 1.5);
        expect(r.timestamps).toHaveLength(r.tokens.length);
        r.timestamps.forEach((t, i) => {
          expect(t).toBeGreaterThanOrEqual(i === 0 ? 0 : r.timestamps[i - 1]!);
          expect(t).toBeLessThan(seconds);
        });
        for (const token of r.tokens) expect(symbols.has(token), token).toBe(true);
        expect(r.text).toBe(r.tokens.join('').trim());
      }
    });

    it('emits nothing on silence and quiet noise', () => {
      const rec = fp32();
      const rnd = mulberry32(7);
      const quiet = new Float32Array(3 * SAMPLE_RATE).map(() => 0.001 * (2 * rnd() - 1));
      expect(sherpaDecode(rec, new Float32Array(3 * SAMPLE_RATE)).tokens).toEqual([]);
      expect(sherpaDecode(rec, quiet).tokens).toEqual([]);
    });

    it('gives the same tokens for the same audio and different tokens for different utterances', () => {
      const first = utterances.map((u) => sherpaDecode(fp32(), u.samples));
      const again = fp32();
      utterances.forEach((u, i) => {
        const r = sherpaDecode(again, u.samples);
        expect(r.tokens, u.id).toEqual(first[i]!.tokens);
        expect(r.timestamps, u.id).toEqual(first[i]!.timestamps);
      });
      expect(new Set(first.map((r) => r.tokens.join('|'))).size).toBe(utterances.length);
    });

    it('gives the same tokens when sherpa batches the streams', () => {
      const rec = fp32();
      const alone = utterances.map((u) => sherpaDecode(rec, u.samples).tokens);
      const streams = utterances.map((u) => finishedStream(rec, u.samples));
      let rounds = 0;
      for (;;) {
        const ready = streams.filter((s) => rec.isReady(s));
        if (ready.length === 0) break;
        if (ready.length > 1) rounds++;
        rec.decodeStreams(ready);
      }
      expect(rounds).toBeGreaterThan(5);
      expect(streams.map((s) => rec.getResult(s).tokens)).toEqual(alone);
    });
  });
});
