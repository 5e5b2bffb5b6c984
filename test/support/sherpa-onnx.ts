import { createRequire } from 'node:module';
import { join } from 'node:path';

/** sherpa-onnx-node (CommonJS, untyped): the reference decoder of the transducer tests. */
export interface SherpaResult {
  text: string;
  tokens: string[];
  /** Seconds from the stream's start, one per token. */
  timestamps: number[];
}
export interface SherpaStream {
  acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
export interface SherpaRecognizer {
  createStream(): SherpaStream;
  isReady(stream: SherpaStream): boolean;
  decode(stream: SherpaStream): void;
  decodeStreams(streams: SherpaStream[]): void;
  getResult(stream: SherpaStream): SherpaResult;
}

const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as { OnlineRecognizer: new (config: object) => SherpaRecognizer };

export const SHERPA_SAMPLE_RATE = 16000;
/** Zeros after an utterance so that its last chunk reaches the encoder (sherpa-onnx's examples pad so). */
export const TAIL_PADDING = new Float32Array(Math.round(0.66 * SHERPA_SAMPLE_RATE));

/** A recognizer on one CPU thread for the model folder `dir` (greedy search unless told otherwise). */
export function sherpaRecognizer(dir: string, encoder = 'encoder.onnx', decodingMethod: 'greedy_search' | 'modified_beam_search' = 'greedy_search'): SherpaRecognizer {
  return new sherpa.OnlineRecognizer({
    featConfig: { sampleRate: SHERPA_SAMPLE_RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: join(dir, encoder), decoder: join(dir, 'decoder.onnx'), joiner: join(dir, 'joiner.onnx') },
      tokens: join(dir, 'tokens.txt'),
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod,
    maxActivePaths: 4,
    enableEndpoint: false,
  });
}

/** sherpa-onnx's result for a whole utterance, tail padding included. */
export function sherpaDecode(recognizer: SherpaRecognizer, samples: Float32Array): SherpaResult {
  const stream = recognizer.createStream();
  stream.acceptWaveform({ samples, sampleRate: SHERPA_SAMPLE_RATE });
  stream.acceptWaveform({ samples: TAIL_PADDING, sampleRate: SHERPA_SAMPLE_RATE });
  stream.inputFinished();
  while (recognizer.isReady(stream)) recognizer.decode(stream);
  return recognizer.getResult(stream);
}
