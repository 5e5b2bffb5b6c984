import type { InferenceSession } from 'onnxruntime-node';
import { ParleyError } from '../../../proto/errors.js';
import type { StateSpec, StateType } from './state-layout.js';

export type ZipformerExport = 'zipformer' | 'zipformer2';

/** How a streaming Zipformer encoder is fed, from its metadata and its inputs. */
export interface EncoderSpec {
  exportKind: ZipformerExport;
  /** Feature frames per encoder call (`T`: the chunk and its right context). */
  chunkFrames: number;
  /** Feature frames a stream advances per call (`decode_chunk_len`). */
  chunkShift: number;
  featureDim: number;
  /** The carried states, in input order after `x`. */
  states: StateSpec[];
}

const STATE_TYPES: ReadonlySet<string> = new Set<StateType>(['float32', 'int64', 'int32']);

/**
 * Reads the spec of a sherpa-onnx streaming Zipformer encoder: `model_type` tells the export,
 * `T` and `decode_chunk_len` the chunking; every input but `x` is a state whose batch axis is
 * its one symbolic dimension (`N` in icefall's exports).
 */
export function readEncoderSpec(metadata: Record<string, string>, inputs: readonly InferenceSession.ValueMetadata[], name = 'the encoder'): EncoderSpec {
  const fail = (why: string): never => {
    throw new ParleyError('engine_failure', `${name} is not a streaming Zipformer encoder Parley can run: ${why}`);
  };
  const exportKind = metadata.model_type;
  if (exportKind !== 'zipformer' && exportKind !== 'zipformer2') fail(`metadata model_type is ${JSON.stringify(exportKind)}, not zipformer or zipformer2`);
  const chunkFrames = positiveInt(metadata.T) ?? fail('metadata T is missing or not a positive integer');
  const chunkShift = positiveInt(metadata.decode_chunk_len) ?? fail('metadata decode_chunk_len is missing or not a positive integer');
  if (chunkShift > chunkFrames) fail(`decode_chunk_len ${chunkShift} exceeds T ${chunkFrames}`);
  const [x, ...stateInputs] = inputs;
  if (x?.name !== 'x' || !x.isTensor || x.shape.length !== 3) fail('its first input is not x (N, T, features)');
  const shapeOfX = (x as InferenceSession.TensorValueMetadata).shape;
  const featureDim = typeof shapeOfX[2] === 'number' ? shapeOfX[2] : fail('the feature dimension of x is not fixed');
  if (typeof shapeOfX[1] === 'number' && shapeOfX[1] !== chunkFrames) fail(`x takes ${shapeOfX[1]} frames but metadata T is ${chunkFrames}`);
  const states = stateInputs.map((input): StateSpec => {
    if (!input.isTensor || !STATE_TYPES.has(input.type)) return fail(`state ${input.name} is not a float32, int64 or int32 tensor`);
    const symbolic = input.shape.flatMap((d, axis) => (typeof d === 'string' ? [axis] : []));
    if (symbolic.length !== 1) return fail(`state ${input.name} has ${symbolic.length} symbolic dimensions, not one batch axis`);
    const batchAxis = symbolic[0]!;
    return { name: input.name, type: input.type as StateType, shape: input.shape.map((d) => (typeof d === 'number' ? d : 1)), batchAxis };
  });
  if (states.length === 0) fail('it carries no states (not a streaming export)');
  return { exportKind: exportKind as ZipformerExport, chunkFrames, chunkShift, featureDim, states };
}

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
