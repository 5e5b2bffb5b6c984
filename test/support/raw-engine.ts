import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';

/**
 * What PocketSphinx alone (the server's search settings) makes of 16 kHz audio, one utterance
 * per item: the reference Parley must not fall behind. One decoder decodes them all, so its
 * live cepstral mean carries from one utterance to the next as a session channel's does;
 * `coldCmn` starts every utterance from the model's initial mean instead (a closed stream's
 * decoder is handed back reset, decoder-pool.ts).
 */
export async function rawEngineTranscripts(utterances: Float32Array[], options: { coldCmn?: boolean } = {}): Promise<string[]> {
  const engine = await PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS, maxDecoders: 1 });
  try {
    let stream = await engine.openStream();
    const texts: string[] = [];
    for (const samples of utterances) {
      if (options.coldCmn && texts.length > 0) {
        stream.close();
        stream = await engine.openStream();
      }
      await stream.startUtterance();
      await stream.accept(samples);
      texts.push((await stream.endUtterance()).text);
    }
    stream.close();
    return texts;
  } finally {
    await engine.close();
  }
}
