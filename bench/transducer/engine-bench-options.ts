import type { ModelPrecision } from '../../models/asr/transducer/model-folder.js';

/**
 * The command-line options of `npm run bench -- --engine transducer`, declared here and spread
 * into the bench entry's parseArgs (which rejects options it does not know).
 */
export const ENGINE_BENCH_ARGS = {
  /** Runs the engine-level throughput benchmark of this engine instead of the turn-latency one. */
  engine: { type: 'string' },
  /** A sherpa-onnx streaming Zipformer folder. */
  model: { type: 'string' },
  precision: { type: 'string', default: 'fp32' },
  'streams-max': { type: 'string', default: '128' },
  'audio-seconds': { type: 'string', default: '6' },
  'piece-ms': { type: 'string', default: '20' },
  'refine-steps': { type: 'string', default: '3' },
  /** Builds the bench-size model into bench/models/ if it is not there (and uses it when --model is absent). */
  'build-bench-model': { type: 'boolean', default: false },
} as const;

/** parseArgs's values for ENGINE_BENCH_ARGS. */
export interface EngineBenchArgs {
  engine?: string;
  model?: string;
  precision?: string;
  'streams-max'?: string;
  'audio-seconds'?: string;
  'piece-ms'?: string;
  'refine-steps'?: string;
  'build-bench-model'?: boolean;
}

export interface EngineBenchOptions {
  /** Null: only build the bench model. */
  engine: 'transducer' | null;
  /** Null: the bench model (built when --build-bench-model). */
  modelDir: string | null;
  buildBenchModel: boolean;
  precision: ModelPrecision;
  maxStreams: number;
  audioSeconds: number;
  pieceMs: number;
  refineSteps: number;
}

export const ENGINE_BENCH_USAGE = `usage: npm run bench -- --engine transducer (--model DIR | --build-bench-model)
         [--precision fp32|int8] [--streams-max 128] [--audio-seconds 6] [--piece-ms 20] [--refine-steps 3]
  --model: a sherpa-onnx streaming Zipformer folder; --build-bench-model: build the bench-size
  model into bench/models/zipformer-bench if absent (with /usr/bin/python3) and use it.`;

/** Checks the values; throws with the usage on anything it cannot use. */
export function engineBenchOptions(args: EngineBenchArgs): EngineBenchOptions {
  const fail = (message: string): never => {
    throw new Error(`${message}\n${ENGINE_BENCH_USAGE}`);
  };
  if (args.engine !== undefined && args.engine !== 'transducer') fail(`--engine takes "transducer", got "${args.engine}"`);
  const precision = args.precision ?? 'fp32';
  if (precision !== 'fp32' && precision !== 'int8') fail(`--precision takes fp32 or int8, got "${precision}"`);
  const buildBenchModel = args['build-bench-model'] === true;
  if (args.engine !== undefined && args.model === undefined && !buildBenchModel) fail('--engine transducer needs --model DIR or --build-bench-model');
  const number = (name: 'streams-max' | 'audio-seconds' | 'piece-ms' | 'refine-steps', integer: boolean, min: number): number => {
    const raw = args[name] ?? ENGINE_BENCH_ARGS[name].default;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) fail(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${raw}"`);
    return n;
  };
  return {
    engine: args.engine === undefined ? null : 'transducer',
    modelDir: args.model ?? null,
    buildBenchModel,
    precision: precision as ModelPrecision,
    maxStreams: number('streams-max', true, 1),
    audioSeconds: number('audio-seconds', false, 1),
    pieceMs: number('piece-ms', false, 1),
    refineSteps: number('refine-steps', true, 0),
  };
}
