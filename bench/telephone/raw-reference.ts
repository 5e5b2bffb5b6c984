import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { toInt16 } from '../../server/pipeline/to-int16.js';

/**
 * PocketSphinx alone (the server's search settings) on 16 kHz utterances, one utterance each.
 * `carryCmn`: one decoder for all of them, as a channel of a session has (live CMN carries
 * over from one utterance to the next), which is test/support/raw-engine.ts; otherwise every
 * utterance starts from the model's initial cepstral mean, as a fresh decoder does.
 */
export async function rawTexts(utterances: Float32Array[], carryCmn: boolean): Promise<string[]> {
  // One decoder: closing a stream hands it back reset (decoder-pool.ts), so a new stream starts cold.
  const engine = await PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS, maxDecoders: 1 });
  try {
    const texts: string[] = [];
    let stream = await engine.openStream();
    for (const samples of utterances) {
      if (!carryCmn && texts.length > 0) {
        stream.close();
        stream = await engine.openStream();
      }
      await stream.startUtterance();
      await stream.accept(toInt16(samples));
      texts.push((await stream.endUtterance()).text);
    }
    stream.close();
    return texts;
  } finally {
    await engine.close();
  }
}
