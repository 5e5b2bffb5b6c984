import { ParleyError } from '../../../proto/errors.js';

export type StateType = 'float32' | 'int64' | 'int32';
export type StateData = Float32Array | BigInt64Array | Int32Array;

/**
 * One carried encoder state tensor: its shape for one stream (the batch dimension 1) and
 * where the batch axis lies. That axis differs between tensors (design 6, reference notes):
 * `cached_key` of zipformer v1 is (layers, context, N, dim), `cached_len` (layers, N).
 */
export interface StateSpec {
  /** The encoder input; its output is `new_` + name. */
  name: string;
  type: StateType;
  shape: readonly number[];
  batchAxis: number;
}

export function stateSize(spec: StateSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** A stream's state at the start: zeros, as sherpa-onnx begins every stream. */
export function initialState(spec: StateSpec): StateData {
  return allocate(spec.type, stateSize(spec));
}

/** The shape of `spec` for a batch of `n` streams. */
export function batchShape(spec: StateSpec, n: number): number[] {
  return spec.shape.map((d, axis) => (axis === spec.batchAxis ? n : d));
}

/**
 * Stacks the streams' states along the batch axis: every block below the axis is copied in
 * stream order within each block above it.
 */
export function gatherStates(spec: StateSpec, states: readonly StateData[]): StateData {
  const { outer, inner } = blocks(spec);
  const n = states.length;
  const batch = allocate(spec.type, stateSize(spec) * n);
  for (let s = 0; s < n; s++) {
    const source = states[s]!;
    for (let o = 0; o < outer; o++) copy(batch, (o * n + s) * inner, source, o * inner, inner);
  }
  return batch;
}

/** The inverse of gatherStates: each stream's slice of a batch's new state. */
export function scatterStates(spec: StateSpec, batch: StateData, n: number): StateData[] {
  const { outer, inner } = blocks(spec);
  if (batch.length !== outer * inner * n) {
    throw new ParleyError('engine_failure', `state ${spec.name} came back with ${batch.length} values, expected ${outer * inner * n}`);
  }
  return Array.from({ length: n }, (_, s) => {
    const state = allocate(spec.type, outer * inner);
    for (let o = 0; o < outer; o++) copy(state, o * inner, batch, (o * n + s) * inner, inner);
    return state;
  });
}

function blocks(spec: StateSpec): { outer: number; inner: number } {
  const outer = spec.shape.slice(0, spec.batchAxis).reduce((a, b) => a * b, 1);
  const inner = spec.shape.slice(spec.batchAxis + 1).reduce((a, b) => a * b, 1);
  return { outer, inner };
}

function allocate(type: StateType, length: number): StateData {
  switch (type) {
    case 'float32':
      return new Float32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
  }
}

function copy(target: StateData, at: number, source: StateData, from: number, length: number): void {
  (target as Float32Array).set((source as Float32Array).subarray(from, from + length), at);
}
