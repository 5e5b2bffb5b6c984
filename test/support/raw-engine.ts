import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { toInt16 } from '../../server/pipeline/to-int16.js';

/** What PocketSphinx alone (the server's search settings) makes of 16 kHz audio, one utterance per item: the reference Parley must not fall behind. */
export async function rawEngineTranscripts(utterances: Float32Array[]): Promise<string[]> {
  const engine = await PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS });
  try {
    const stream = await engine.openStream();
    const texts: string[] = [];
    for (const samples of utterances) {
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
