// npm run bench -- --engine transducer --model DIR [--precision fp32|int8] [--streams-max N]:
// how many real-time streams one core sustains with the transducer engine, batched across
// streams as the scheduler will batch them, against the same engine at batch size 1 and against
// sherpa-onnx-node alone (decode per stream, and decodeStreams) on the same model and speech.
// Prints the tables and writes bench/results/transducer-engine-<precision>.json.
//
// One core: ONNX Runtime runs with one intra-op and one inter-op thread (sherpa-onnx with
// numThreads 1), and the benchmark never overlaps work: each step feeds every stream (fbank on
// the main thread), then awaits the decode (Parley: on its worker thread; sherpa-onnx: on the
// main thread). The verdict uses the process's CPU time, every thread included, so fbank,
// message passing and the garbage collector count; `cores_used` (CPU over wall) shows that no
// second core helped, and the per-thread split shows where the time went.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { ensureBenchModel } from './bench-model.js';
import { searchCapacity } from './capacity-search.js';
import type { Contender } from './contender.js';
import { engineBenchOptions, type EngineBenchArgs } from './engine-bench-options.js';
import { printReport, summarize, writeReport } from './engine-report.js';
import { runLoad, type LoadRunOptions } from './load-run.js';
import { ParleyEngineUnderTest } from './parley-contender.js';
import { sherpaContender } from './sherpa-contender.js';
import { SpeechLoop } from './speech-loop.js';

/** Untimed audio per stream before each load: ONNX Runtime plans memory on the first runs at a new batch size. */
const WARM_UP_SECONDS = 1;

export async function runEngineBench(args: EngineBenchArgs): Promise<void> {
  const options = engineBenchOptions(args);
  const built = options.buildBenchModel ? ensureBenchModel() : null;
  if (options.engine === null) {
    console.log(`bench model ready in ${built}`);
    return;
  }
  const modelDir = options.modelDir ?? built!;
  const loop = new SpeechLoop();
  const parley = await ParleyEngineUnderTest.load(modelDir, options.precision);
  const contenders: Contender[] = [
    parley.contender(true),
    parley.contender(false),
    await sherpaContender(modelDir, options.precision, false),
    await sherpaContender(modelDir, options.precision, true),
  ];
  const { encoder } = parley.engine.info;
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(
    `transducer engine throughput: ${modelDir} (${options.precision}, ${encoder.exportKind}, chunk ${encoder.chunkShift * 10} ms), ` +
      `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${load}\n` +
      `${options.audioSeconds} s of LibriVox speech per stream (after ${WARM_UP_SECONDS} s warm-up), fed in ${options.pieceMs} ms pieces, all streams aligned; ` +
      `Parley's engine worker: thread ${[...parley.threads].join(', ')}`,
  );
  const runOptions: LoadRunOptions = { audioSeconds: options.audioSeconds, pieceMs: options.pieceMs, warmUpSeconds: WARM_UP_SECONDS };
  const started = performance.now();
  const results = await searchCapacity(
    contenders.map((c) => c.name),
    (name, k) => runLoad(contenders.find((c) => c.name === name)!, loop, k, runOptions),
    {
      maxStreams: options.maxStreams,
      refineSteps: options.refineSteps,
      onRow: (r) =>
        console.log(
          `${r.contender.padEnd(20)} K=${String(r.streams).padStart(3)}: rtf ${r.rtf.toFixed(3)} ${r.keeps_up ? 'keeps up' : 'FALLS BEHIND'}, ` +
            `${r.cpu_ms_per_stream_s} ms CPU per stream-second, call p50/p95 ${r.call_p50_ms}/${r.call_p95_ms} ms, ` +
            `cores used ${r.cores_used}, others ${r.others_cores} cores, steal ${r.steal_pct} %`,
        ),
    },
  );
  const minutes = (performance.now() - started) / 60000;
  for (const c of contenders) await c.close();
  const { summary, ratios } = summarize(results);
  printReport(results, summary, ratios);
  writeReport(`transducer-engine-${options.precision}.json`, {
    date: new Date().toISOString(),
    model_dir: modelDir,
    precision: options.precision,
    model: { type: encoder.exportKind, chunk_ms: encoder.chunkShift * 10, version: parley.engine.version },
    cores: availableParallelism(),
    load_average_at_start: load,
    load_average_at_end: loadavg().map((l) => l.toFixed(2)).join(' '),
    minutes: Math.round(minutes * 10) / 10,
    audio_seconds_per_stream: options.audioSeconds,
    piece_ms: options.pieceMs,
    warm_up_seconds: WARM_UP_SECONDS,
    summary,
    ratios,
    runs: results,
  });
}
