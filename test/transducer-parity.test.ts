import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrorRate } from '../clients/wer.js';
import { ENCODER_FRAME_MS, TransducerEngine, type TransducerResult } from '../models/asr/transducer/transducer-engine.js';
import { TokenTable } from '../models/asr/transducer/token-table.js';
import { projectRoot } from '../proto/project-root.js';
import { loadLibriVox, type Utterance } from './support/librivox.js';
import { sherpaDecode, sherpaRecognizer, TAIL_PADDING, type SherpaRecognizer, type SherpaResult } from './support/sherpa-onnx.js';

const FIXTURES = join(projectRoot(), 'test', 'fixtures', 'transducer');

/**
 * Share of sherpa-onnx's token frames the int8 engine may differ in (measured: 0 to 0.05).
 * Which token comes out is not compared: see the int8 test.
 */
const INT8_FRAME_ERROR = 0.1;

/** Tokens as symbols with their frames: what both decoders must agree on. */
function sherpaTokens(result: SherpaResult): Array<[string, number]> {
  return result.tokens.map((token, i) => [token, Math.round((result.timestamps[i]! * 1000) / ENCODER_FRAME_MS)]);
}

/** sherpa-onnx-node spells the word mark U+2581 as a space in its tokens. */
function ourTokens(table: TokenTable, result: TransducerResult): Array<[string, number]> {
  return result.tokens.map((token, i) => [table.symbol(token).replaceAll('\u2581', ' '), result.frames[i]!]);
}

/** Edit distance over the frames tokens were emitted at, relative to the reference's count. */
function emissionFrameErrorRate(reference: Array<[string, number]>, hypothesis: Array<[string, number]>): number {
  const spell = (tokens: Array<[string, number]>) => tokens.map(([, frame]) => `f${frame}`).join(' ');
  return wordErrorRate(spell(reference), spell(hypothesis));
}

/** Feeds `samples` in `chunk`-sample pieces, decoding whenever a chunk is ready, then the tail padding. */
async function feed(engine: TransducerEngine, id: number, samples: Float32Array, chunk: number): Promise<void> {
  for (let at = 0; at < samples.length; at += chunk) {
    engine.acceptWaveform(id, samples.subarray(at, at + chunk));
    while (engine.isReady(id)) await engine.decode([id]);
  }
  engine.acceptWaveform(id, TAIL_PADDING);
  engine.inputFinished(id);
  while (engine.isReady(id)) await engine.decode([id]);
}

describe.each(['zipformer', 'zipformer2'])('the transducer engine against sherpa-onnx-node on the %s test model', (exportKind) => {
  const dir = join(FIXTURES, exportKind);
  let engine: TransducerEngine;
  let table: TokenTable;
  let reference: SherpaRecognizer;
  let utterances: Utterance[];
  let expected: Array<Array<[string, number]>>;

  beforeAll(async () => {
    [engine, table] = await Promise.all([TransducerEngine.load({ modelDir: dir }), TokenTable.load(join(dir, 'tokens.txt'))]);
    reference = sherpaRecognizer(dir);
    utterances = loadLibriVox().slice(0, 3);
    expected = utterances.map((u) => sherpaTokens(sherpaDecode(reference, u.samples)));
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('reads the export and its chunking from the encoder, and names the model by its files and content', () => {
    expect(engine.info.encoder.exportKind).toBe(exportKind);
    expect(engine.info.encoder.featureDim).toBe(80);
    expect(engine.version.files).toEqual(['encoder.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt']);
    expect(engine.version.sha256).toMatch(/^[0-9a-f]{16}$/);
  });

  it('one stream: the same tokens at the same frames as sherpa-onnx greedy search, on real speech', async () => {
    for (const [i, utterance] of utterances.entries()) {
      expect(expected[i]!.length).toBeGreaterThan(5);
      const id = await engine.openStream();
      await feed(engine, id, utterance.samples, 1600);
      expect(ourTokens(table, engine.result(id))).toEqual(expected[i]);
      engine.closeStream(id);
    }
  });

  it('a batch of streams fed in different chunk sizes: each gets what sherpa-onnx gives it alone', async () => {
    const chunks = [160, 1231, 4800];
    const ids = await Promise.all(utterances.map(() => engine.openStream()));
    const positions = ids.map(() => 0);
    const finished = ids.map(() => false);
    let batches = 0;
    let largest = 0;
    while (finished.some((f) => !f) || engine.readyStreams().length > 0) {
      ids.forEach((id, i) => {
        if (finished[i]) return;
        const samples = utterances[i]!.samples;
        engine.acceptWaveform(id, samples.subarray(positions[i], positions[i]! + chunks[i]!));
        positions[i]! += chunks[i]!;
        if (positions[i]! >= samples.length) {
          engine.acceptWaveform(id, TAIL_PADDING);
          engine.inputFinished(id);
          finished[i] = true;
        }
      });
      const ready = engine.readyStreams();
      if (ready.length === 0) continue;
      await engine.decode(ready);
      batches++;
      largest = Math.max(largest, ready.length);
    }
    expect(largest).toBeGreaterThan(1);
    ids.forEach((id, i) => expect(ourTokens(table, engine.result(id)), utterances[i]!.id).toEqual(expected[i]));
    expect(batches).toBeGreaterThan(0);
    for (const id of ids) engine.closeStream(id);
  });

  it('modified beam search: the same best path as sherpa-onnx keeps, one stream and a batch', async () => {
    const beam = await TransducerEngine.load({ modelDir: dir, decodingMethod: 'modified_beam_search', maxActivePaths: 4 });
    const beamReference = sherpaRecognizer(dir, 'encoder.onnx', 'modified_beam_search');
    try {
      const want = utterances.map((u) => sherpaTokens(sherpaDecode(beamReference, u.samples)));
      const alone = await beam.openStream();
      await feed(beam, alone, utterances[0]!.samples, 1600);
      expect(ourTokens(table, beam.result(alone))).toEqual(want[0]);
      const ids = await Promise.all(utterances.map(() => beam.openStream()));
      ids.forEach((id, i) => {
        beam.acceptWaveform(id, utterances[i]!.samples);
        beam.acceptWaveform(id, TAIL_PADDING);
        beam.inputFinished(id);
      });
      for (let ready = beam.readyStreams(); ready.length > 0; ready = beam.readyStreams()) await beam.decode(ready);
      ids.forEach((id, i) => expect(ourTokens(table, beam.result(id)), utterances[i]!.id).toEqual(want[i]));
      // The beam is not greedy search under another name: on these models it keeps other tokens.
      expect(want).not.toEqual(expected);
    } finally {
      await beam.close();
    }
  });

  it('reset starts an utterance over from zero states: the same audio decodes the same again', async () => {
    const id = await engine.openStream();
    await feed(engine, id, utterances[1]!.samples, 3200);
    const first = engine.result(id);
    engine.reset(id);
    expect(engine.result(id).tokens).toEqual([]);
    await feed(engine, id, utterances[1]!.samples, 3200);
    expect(engine.result(id)).toEqual(first);
    expect(ourTokens(table, first)).toEqual(expected[1]);
    engine.closeStream(id);
  });

  it('the int8 encoder runs too: its tokens come at the frames sherpa-onnx emits them on it', async () => {
    const int8 = await TransducerEngine.load({ modelDir: dir, precision: 'int8' });
    const int8Reference = sherpaRecognizer(dir, 'encoder.int8.onnx');
    try {
      expect(int8.version.files[0]).toBe('encoder.int8.onnx');
      for (const utterance of utterances) {
        const want = sherpaTokens(sherpaDecode(int8Reference, utterance.samples));
        const id = await int8.openStream();
        await feed(int8, id, utterance.samples, 1600);
        const got = ourTokens(table, int8.result(id));
        // Dynamic quantization scales each matrix by its largest activation in the call, so
        // the fbank's last 3e-4 (kaldi-native-fbank rounds in float32) or another ONNX Runtime
        // build (sherpa-onnx bundles its own) can move a quantization step; these test models
        // amplify any change into other symbols for a few words (up to 0.79 of one utterance's
        // tokens), while the frames tokens come at, which follow the audio, stay. On the fp32
        // encoder, above, both are exact.
        expect(emissionFrameErrorRate(want, got), utterance.id).toBeLessThanOrEqual(INT8_FRAME_ERROR);
        int8.closeStream(id);
      }
    } finally {
      await int8.close();
    }
  });
});
