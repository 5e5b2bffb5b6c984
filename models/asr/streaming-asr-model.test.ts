import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { projectRoot } from '../../proto/project-root.js';
import { loadLibriVox, type Utterance } from '../../test/support/librivox.js';
import { PocketSphinxRecognizer } from './pocketsphinx/pocketsphinx-recognizer.js';
import { SERVING_SEARCH_ARGS } from './pocketsphinx/search-args.js';
import type { StreamingAsrModel } from './streaming-asr-model.js';
import { TransducerEngine } from './transducer/transducer-engine.js';

const PIECE = 3200; // 200 ms

/** Feeds an utterance in pieces, stepping each ready stream alone, then finishes it. */
async function decodeAlone(model: StreamingAsrModel, id: number, samples: Float32Array): Promise<string> {
  for (let at = 0; at < samples.length; at += PIECE) {
    model.acceptWaveform(id, samples.subarray(at, at + PIECE));
    while (model.isReady(id)) await model.decode([id]);
  }
  model.acceptWaveform(id, new Float32Array(model.tailPaddingSamples));
  model.inputFinished(id);
  while (model.isReady(id)) await model.decode([id]);
  return model.result(id).text;
}

const models: Array<[string, () => Promise<StreamingAsrModel>]> = [
  [
    'PocketSphinx',
    async () => {
      const recognizer = new PocketSphinxRecognizer({ decoderArgs: SERVING_SEARCH_ARGS, maxDecoders: 2 });
      await recognizer.load();
      return recognizer;
    },
  ],
  ['the transducer (test model)', () => TransducerEngine.load({ modelDir: join(projectRoot(), 'test', 'fixtures', 'transducer', 'zipformer') })],
];

describe.each(models)('%s on the batch-shaped model interface', (_, load) => {
  let model: StreamingAsrModel;
  let utterances: Utterance[];

  beforeAll(async () => {
    model = await load();
    utterances = loadLibriVox().slice(0, 2);
  }, 60_000);

  afterAll(async () => {
    await model.close();
    await model.close();
  });

  it('is ready only with work to do, steps at most maxBatch streams, and reads results per stream', async () => {
    const id = await model.openStream();
    expect(model.isOpen(id)).toBe(true);
    expect(model.isReady(id)).toBe(false);
    expect(model.result(id)).toMatchObject({ text: '', words: [] });
    await expect(model.decode([id])).rejects.toMatchObject({ code: 'engine_failure' });

    const text = await decodeAlone(model, id, utterances[0]!.samples);
    expect(text.split(' ').length).toBeGreaterThan(3);
    expect(model.isReady(id)).toBe(false);
    const { words } = model.result(id);
    for (let i = 1; i < words.length; i++) expect(words[i]!.startMs).toBeGreaterThanOrEqual(words[i - 1]!.startMs);
    expect(words.at(-1)!.endMs).toBeLessThanOrEqual((utterances[0]!.samples.length + model.tailPaddingSamples) / 16);

    if (Number.isFinite(model.maxBatch)) {
      const other = await model.openStream();
      model.acceptWaveform(id, utterances[1]!.samples.subarray(0, PIECE));
      model.acceptWaveform(other, utterances[1]!.samples.subarray(0, PIECE));
      await expect(model.decode([id, other])).rejects.toMatchObject({ code: 'engine_failure' });
      model.closeStream(other);
    }
    model.closeStream(id);
    model.closeStream(id);
    expect(model.isOpen(id)).toBe(false);
  }, 60_000);

  it('starts each utterance afresh on reset: the same audio after another utterance gives the same words', async () => {
    const fresh = await model.openStream();
    const alone = await decodeAlone(model, fresh, utterances[1]!.samples);
    model.closeStream(fresh);

    const id = await model.openStream();
    model.acceptWaveform(id, utterances[0]!.samples.subarray(0, 8 * PIECE));
    while (model.isReady(id)) await model.decode([id]);
    expect(model.result(id).text).not.toBe('');
    model.reset(id);
    expect(model.result(id)).toMatchObject({ text: '', words: [] });
    const again = await decodeAlone(model, id, utterances[1]!.samples);
    // PocketSphinx carries its cepstral mean from one utterance to the next, as a channel's
    // decoder does in a session: its words may differ a little, never be the old utterance's.
    if (model.name === 'transducer') expect(again).toBe(alone);
    else expect(again.split(' ').filter((w) => alone.split(' ').includes(w)).length).toBeGreaterThanOrEqual(alone.split(' ').length / 2);
    model.closeStream(id);
  }, 60_000);

  it('a finished utterance that got no audio has nothing to decode and an empty result', async () => {
    const id = await model.openStream();
    model.reset(id);
    model.inputFinished(id);
    while (model.isReady(id)) await model.decode([id]);
    expect(model.result(id).text).toBe('');
    model.closeStream(id);
  });
});
