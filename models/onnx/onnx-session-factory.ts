import { InferenceSession } from 'onnxruntime-node';
import { ParleyError } from '../../proto/errors.js';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface OnnxSessionOptions {
  /** Where the model runs. Default 'cpu'. */
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator. Default 1: the scheduler scales by batching, not by threads. */
  intraOpThreads?: number;
  /** Threads across independent operators. Default 1. */
  interOpThreads?: number;
  /** When 'cuda' cannot be loaded, use the CPU instead of failing. Default false. */
  fallbackToCpu?: boolean;
}

export interface OnnxSession {
  /** Release with `session.release()`; it is never left to the garbage collector. */
  readonly session: InferenceSession;
  /** The provider actually in use (differs from the request only after a CPU fallback). */
  readonly executionProvider: ExecutionProvider;
}

function threadCount(name: string, value: number): number {
  // ORT reads 0 as "all cores"; every thread count here must be chosen explicitly.
  if (!Number.isInteger(value) || value < 1) {
    throw new ParleyError('bad_config', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function sessionOptions(
  provider: ExecutionProvider,
  intraOpThreads: number,
  interOpThreads: number,
): InferenceSession.SessionOptions {
  return {
    // CPU stays listed after CUDA so that nodes CUDA lacks kernels for still run.
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: interOpThreads,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Creates an ONNX Runtime session for the model at `modelPath`. */
export async function createOnnxSession(
  modelPath: string,
  options: OnnxSessionOptions = {},
): Promise<OnnxSession> {
  const provider = options.executionProvider ?? 'cpu';
  const intra = threadCount('intraOpThreads', options.intraOpThreads ?? 1);
  const inter = threadCount('interOpThreads', options.interOpThreads ?? 1);
  try {
    const session = await InferenceSession.create(modelPath, sessionOptions(provider, intra, inter));
    return { session, executionProvider: provider };
  } catch (err) {
    if (provider === 'cuda' && options.fallbackToCpu === true) {
      return createOnnxSession(modelPath, { ...options, executionProvider: 'cpu' });
    }
    const what = provider === 'cuda' ? 'CUDA execution provider unavailable or failed' : 'cannot load model';
    throw new ParleyError('engine_failure', `${what} (${modelPath}): ${reason(err)}`);
  }
}
