import type { ExecutionProvider } from '../onnx/onnx-session-factory.js';
import type { VadModelInput, VadModelOutput } from './silero-vad-model.js';

/** Messages between the server and the VAD worker thread. */
export type VadWorkerRequest = { type: 'run'; id: number; items: readonly VadModelInput[] } | { type: 'close' };

export type VadWorkerReply =
  | { type: 'ready'; executionProvider: ExecutionProvider }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: VadModelOutput[] }
  | { type: 'error'; id: number; message: string };
