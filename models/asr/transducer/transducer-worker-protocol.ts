import type { StepInput, StepOutput, TransducerModelInfo, TransducerModelOptions, TransducerModelPaths } from './transducer-model.js';

/** What the worker thread loads. */
export interface TransducerWorkerData {
  paths: TransducerModelPaths;
  options: TransducerModelOptions;
}

/** Messages to the transducer worker; handled one at a time, in order. */
export type TransducerWorkerRequest =
  | { type: 'step'; id: number; inputs: StepInput[] }
  | { type: 'reset'; stream: number }
  | { type: 'close-stream'; stream: number }
  | { type: 'close' };

export type TransducerWorkerReply =
  | { type: 'ready'; info: TransducerModelInfo }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: StepOutput[] }
  | { type: 'error'; id: number; message: string };
