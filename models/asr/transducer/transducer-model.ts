import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { ParleyError } from '../../../proto/errors.js';
import { readOnnxMetadata } from '../../onnx/onnx-metadata.js';
import { createOnnxSession, type ExecutionProvider } from '../../onnx/onnx-session-factory.js';
import { readEncoderSpec, type EncoderSpec } from './encoder-spec.js';
import { greedySearch, initialSearchState, type Emitted, type SearchState, type TransducerHeads } from './greedy-search.js';
import { bestPath, initialBeamState, modifiedBeamSearch, type BeamState } from './modified-beam-search.js';
import { EncoderStateStore } from './encoder-state-store.js';
import { batchShape, stateSize, type StateData } from './state-layout.js';

export interface TransducerModelPaths {
  encoder: string;
  decoder: string;
  joiner: string;
}

export interface TransducerModelOptions {
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator. Default 1: the engine scales by batching. */
  intraOpThreads?: number;
  /** `<unk>`'s id, searched as blank (from the token table). */
  unkId?: number;
  /** Default greedy search; the beam keeps `maxActivePaths` paths per stream (default 4). */
  decodingMethod?: DecodingMethod;
  maxActivePaths?: number;
}

export type DecodingMethod = 'greedy_search' | 'modified_beam_search';

/** What the engine needs to know of a loaded model. */
export interface TransducerModelInfo {
  encoder: EncoderSpec;
  contextSize: number;
  vocabSize: number;
  joinerDim: number;
  executionProvider: ExecutionProvider;
}

/** One stream's chunk of features, (chunkFrames x featureDim) row-major. */
export interface StepInput {
  stream: number;
  features: Float32Array;
}

/** A stream's whole hypothesis after a step (a beam's best path may change earlier tokens). */
export interface StepOutput extends Emitted {
  stream: number;
}

type StreamSearch = { kind: 'greedy'; state: SearchState; emitted: Emitted } | { kind: 'beam'; state: BeamState };

/** sherpa-onnx's default `max_active_paths`. */
const DEFAULT_ACTIVE_PATHS = 4;

interface StreamState {
  search: StreamSearch;
}

/**
 * A streaming Zipformer transducer on ONNX Runtime: encoder, decoder and joiner sessions, and
 * every stream's carried state, addressed by id. It runs where it is loaded (the engine's
 * worker thread): ONNX Runtime's `run()` is synchronous native work on the calling thread.
 */
export class TransducerModel {
  private readonly streams = new Map<number, StreamState>();
  private readonly states: EncoderStateStore;
  private readonly heads: TransducerHeads;

  private constructor(
    private readonly encoder: InferenceSession,
    private readonly decoder: InferenceSession,
    private readonly joiner: InferenceSession,
    readonly info: TransducerModelInfo,
    private readonly options: TransducerModelOptions,
  ) {
    const { contextSize, vocabSize, joinerDim } = info;
    this.states = new EncoderStateStore(info.encoder.states);
    this.heads = {
      contextSize,
      vocabSize,
      joinerDim,
      decode: async (contexts, n) => {
        const out = await decoder.run({ y: new Tensor('int64', contexts, [n, contextSize]) });
        return out.decoder_out!.data as Float32Array;
      },
      join: async (encoderFrames, decoderOut, n) => {
        const out = await joiner.run({
          encoder_out: new Tensor('float32', encoderFrames, [n, joinerDim]),
          decoder_out: new Tensor('float32', decoderOut, [n, joinerDim]),
        });
        return out.logit!.data as Float32Array;
      },
    };
  }

  static async load(paths: TransducerModelPaths, options: TransducerModelOptions = {}): Promise<TransducerModel> {
    const sessionOptions = { executionProvider: options.executionProvider, intraOpThreads: options.intraOpThreads, fallbackToCpu: true };
    const [metadata, decoderMetadata, joinerMetadata] = await Promise.all([readOnnxMetadata(paths.encoder), readOnnxMetadata(paths.decoder), readOnnxMetadata(paths.joiner)]);
    const [encoder, decoder, joiner] = await Promise.all([
      createOnnxSession(paths.encoder, sessionOptions),
      createOnnxSession(paths.decoder, sessionOptions),
      createOnnxSession(paths.joiner, sessionOptions),
    ]);
    const sessions = [encoder.session, decoder.session, joiner.session];
    try {
      const info: TransducerModelInfo = {
        encoder: readEncoderSpec(metadata, encoder.session.inputMetadata, paths.encoder),
        contextSize: metadataInt(decoderMetadata, 'context_size', paths.decoder),
        vocabSize: metadataInt(decoderMetadata, 'vocab_size', paths.decoder),
        joinerDim: metadataInt(joinerMetadata, 'joiner_dim', paths.joiner),
        // Every session falls back alike; the encoder's says what the model runs on.
        executionProvider: encoder.executionProvider,
      };
      return new TransducerModel(encoder.session, decoder.session, joiner.session, info, options);
    } catch (error) {
      await Promise.all(sessions.map((s) => s.release()));
      throw error;
    }
  }

  /** A fresh stream (or a stream started over: a new utterance) with zero states. */
  resetStream(stream: number): void {
    const { contextSize } = this.info;
    this.states.reset(stream);
    this.streams.set(stream, {
      search:
        this.options.decodingMethod === 'modified_beam_search'
          ? { kind: 'beam', state: initialBeamState(contextSize) }
          : { kind: 'greedy', state: initialSearchState(contextSize), emitted: { tokens: [], frames: [] } },
    });
  }

  closeStream(stream: number): void {
    this.streams.delete(stream);
    this.states.delete(stream);
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** One encoder chunk for each stream of the batch, then greedy search over its output. */
  async step(inputs: readonly StepInput[]): Promise<StepOutput[]> {
    const spec = this.info.encoder;
    const n = inputs.length;
    const frameSize = spec.chunkFrames * spec.featureDim;
    const streams = inputs.map(({ stream, features }) => {
      if (features.length !== frameSize) throw new ParleyError('engine_failure', `stream ${stream} sent ${features.length} feature values, expected ${frameSize}`);
      const state = this.streams.get(stream);
      if (!state) throw new ParleyError('engine_failure', `stream ${stream} is not open on the model`);
      return state;
    });
    const x = new Float32Array(n * frameSize);
    inputs.forEach(({ features }, s) => x.set(features, s * frameSize));
    const feeds: Record<string, Tensor> = { x: new Tensor('float32', x, [n, spec.chunkFrames, spec.featureDim]) };
    const ids = inputs.map((input) => input.stream);
    const stateInputs = this.states.batchInputs(ids);
    spec.states.forEach((state, i) => {
      feeds[state.name] = new Tensor(state.type, stateInputs[i]!, batchShape(state, n));
    });
    const out = await this.encoder.run(feeds);
    this.states.store(
      ids,
      spec.states.map((state) => {
        const next = out[`new_${state.name}`];
        if (!next) throw new ParleyError('engine_failure', `the encoder gave no new_${state.name}`);
        const data = next.data as StateData;
        if (data.length !== stateSize(state) * n) throw new ParleyError('engine_failure', `state ${state.name} came back with ${data.length} values, expected ${stateSize(state) * n}`);
        return data;
      }),
    );
    const encoderOut = out.encoder_out!;
    await this.search(encoderOut.data as Float32Array, encoderOut.dims[1]!, streams.map((s) => s.search));
    return inputs.map(({ stream }, s) => ({ stream, ...hypothesis(streams[s]!.search) }));
  }

  private async search(encoderOut: Float32Array, frames: number, searches: StreamSearch[]): Promise<void> {
    const { unkId, maxActivePaths = DEFAULT_ACTIVE_PATHS } = this.options;
    const greedy = searches.filter((s) => s.kind === 'greedy');
    if (greedy.length === searches.length) {
      const emitted = await greedySearch(this.heads, encoderOut, frames, greedy.map((s) => s.state), unkId);
      greedy.forEach((s, i) => {
        s.emitted.tokens.push(...emitted[i]!.tokens);
        s.emitted.frames.push(...emitted[i]!.frames);
      });
      return;
    }
    const beams = searches.flatMap((s) => (s.kind === 'beam' ? [s.state] : []));
    await modifiedBeamSearch(this.heads, encoderOut, frames, beams, unkId, maxActivePaths);
  }

  async release(): Promise<void> {
    this.streams.clear();
    this.states.clear();
    await Promise.all([this.encoder.release(), this.decoder.release(), this.joiner.release()]);
  }
}

function hypothesis(search: StreamSearch): Emitted {
  return search.kind === 'greedy' ? { tokens: [...search.emitted.tokens], frames: [...search.emitted.frames] } : bestPath(search.state);
}

function metadataInt(metadata: Record<string, string>, key: string, name: string): number {
  const value = Number(metadata[key]);
  if (!Number.isInteger(value) || value <= 0) throw new ParleyError('engine_failure', `${name} has no positive integer metadata ${key}`);
  return value;
}
