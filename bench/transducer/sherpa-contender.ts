import { createRequire } from 'node:module';
import { findModelFiles, type ModelPrecision } from '../../models/asr/transducer/model-folder.js';
import type { SherpaRecognizer, SherpaStream } from '../../test/support/sherpa-onnx.js';
import type { Contender } from './contender.js';
import { SAMPLE_RATE } from './speech-loop.js';

const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as { OnlineRecognizer: new (config: object) => SherpaRecognizer };

/**
 * sherpa-onnx-node alone on the same files Parley's engine loads (same precision), greedy
 * search, numThreads 1. Everything it does (fbank, encoder, search) runs synchronously on the
 * calling thread, the main thread. `batched`: one `decodeStreams` over every ready stream, its
 * batched path; otherwise `decode` per stream.
 */
export async function sherpaContender(modelDir: string, precision: ModelPrecision, batched: boolean): Promise<Contender> {
  const files = await findModelFiles(modelDir, precision);
  const recognizer = new sherpa.OnlineRecognizer({
    featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
    modelConfig: { transducer: { encoder: files.encoder, decoder: files.decoder, joiner: files.joiner }, tokens: files.tokens, numThreads: 1, provider: 'cpu', debug: 0 },
    decodingMethod: 'greedy_search',
    enableEndpoint: false,
  });
  let streams: SherpaStream[] = [];
  const timed = (onCall: (batch: number, ms: number) => void, batch: number, run: () => void) => {
    const started = performance.now();
    run();
    onCall(batch, performance.now() - started);
  };
  return {
    name: batched ? 'sherpa decodeStreams' : 'sherpa decode',
    threads: new Set(),
    async open(k) {
      streams = Array.from({ length: k }, () => recognizer.createStream());
    },
    accept(stream, samples) {
      streams[stream]!.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
    },
    async decodeReady(onCall) {
      if (batched) {
        for (let ready = streams.filter((s) => recognizer.isReady(s)); ready.length > 0; ready = streams.filter((s) => recognizer.isReady(s))) {
          timed(onCall, ready.length, () => recognizer.decodeStreams(ready));
        }
      } else {
        for (const s of streams) while (recognizer.isReady(s)) timed(onCall, 1, () => recognizer.decode(s));
      }
    },
    tokens: () => streams.reduce((n, s) => n + recognizer.getResult(s).tokens.length, 0),
    closeStreams() {
      // sherpa-onnx-node frees a stream with its JavaScript object; dropping them is all it offers.
      streams = [];
    },
    // Nor does it free a recognizer explicitly: the process ends after the benchmark.
    close: async () => {},
  };
}
