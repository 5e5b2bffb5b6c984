import { percentile } from '../turn-latency/call-analysis.js';
import type { Contender } from './contender.js';
import { machineCpu, machineLoad } from './machine-cpu.js';
import { SAMPLE_RATE, type SpeechLoop } from './speech-loop.js';
import { cpuSplit, threadCpuSeconds } from './thread-cpu.js';

export interface LoadRunOptions {
  /** Timed audio per stream, seconds. */
  audioSeconds: number;
  /** Audio fed per stream per step, ms: what a session receives at a time. */
  pieceMs: number;
  /** Untimed audio per stream first, seconds: the first chunks at a new batch size plan ONNX Runtime's memory. */
  warmUpSeconds: number;
}

/** One contender at K streams. Times in ms, CPU in seconds. */
export interface LoadRow {
  contender: string;
  streams: number;
  /** CPU seconds of the whole process (every thread) per second of audio of all K streams together:
   *  the share of one core K real-time streams need. Below 1, they keep up. */
  rtf: number;
  keeps_up: boolean;
  /** Compute per second of audio of one stream, ms (rtf / K). */
  cpu_ms_per_stream_s: number;
  /** Wall seconds per second of audio (work is serial; above rtf when other processes took the core). */
  wall_rtf: number;
  /** Process CPU over wall time: at most about 1 when only one core worked at a time. */
  cores_used: number;
  /** CPU in accept() (the front end: fbank) as a share of the run's CPU. */
  front_end_pct: number;
  main_cpu_s: number;
  worker_cpu_s: number;
  other_threads_cpu_s: number;
  decode_calls: number;
  mean_batch: number;
  /** Wall time of one decode call (one chunk of each stream in the batch). */
  call_p50_ms: number;
  call_p95_ms: number;
  /** Wall time to decode everything ready at one step: what the last stream of the step waits. */
  step_p95_ms: number;
  tokens: number;
  others_cores: number;
  steal_pct: number;
}

/**
 * Runs `k` streams of real speech through `contender` for `audioSeconds` of audio each, as
 * fast as it goes: at each step every stream gets its next piece, then everything ready is
 * decoded and awaited before the next step. Nothing overlaps, so the process's CPU time is
 * what one core spends on K real-time streams, fbank included; wall time adds whatever the
 * machine's other work took from that core.
 */
export async function runLoad(contender: Contender, loop: SpeechLoop, k: number, options: LoadRunOptions): Promise<LoadRow> {
  const piece = Math.round((options.pieceMs * SAMPLE_RATE) / 1000);
  const warmUpSteps = Math.ceil((options.warmUpSeconds * SAMPLE_RATE) / piece);
  const timedSteps = Math.ceil((options.audioSeconds * SAMPLE_RATE) / piece);
  const calls: number[] = [];
  const steps: number[] = [];
  let batched = 0;
  let frontEndCpu = 0;
  let timing = false;
  const onCall = (batch: number, ms: number) => {
    if (!timing) return;
    calls.push(ms);
    batched += batch;
  };
  await contender.open(k);
  try {
    for (let step = 0; step < warmUpSteps; step++) {
      for (let s = 0; s < k; s++) contender.accept(s, loop.piece(s, step * piece, piece));
      await contender.decodeReady(onCall);
    }
    timing = true;
    const machineBefore = machineCpu();
    const threadsBefore = threadCpuSeconds();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let step = warmUpSteps; step < warmUpSteps + timedSteps; step++) {
      // Nothing else runs meanwhile: the process's CPU over the feeding is the front end's.
      const fed = process.cpuUsage();
      for (let s = 0; s < k; s++) contender.accept(s, loop.piece(s, step * piece, piece));
      const fedUsage = process.cpuUsage(fed);
      frontEndCpu += (fedUsage.user + fedUsage.system) / 1e6;
      const decoding = performance.now();
      const before = calls.length;
      await contender.decodeReady(onCall);
      if (calls.length > before) steps.push(performance.now() - decoding);
    }
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpuBefore);
    const cpu = (used.user + used.system) / 1e6;
    const split = cpuSplit(threadsBefore, threadCpuSeconds(), contender.threads);
    const load = machineLoad(machineBefore, machineCpu(), cpu, wall);
    const audio = (timedSteps * piece) / SAMPLE_RATE;
    const rtf = cpu / audio;
    return {
      contender: contender.name,
      streams: k,
      rtf: round(rtf, 3),
      keeps_up: rtf < 1,
      cpu_ms_per_stream_s: round((1000 * rtf) / k, 2),
      wall_rtf: round(wall / audio, 3),
      cores_used: round(cpu / wall, 2),
      front_end_pct: round((100 * frontEndCpu) / cpu, 1),
      main_cpu_s: round(split.main, 2),
      worker_cpu_s: round(split.contender, 2),
      other_threads_cpu_s: round(split.other, 2),
      decode_calls: calls.length,
      mean_batch: round(batched / Math.max(1, calls.length), 1),
      call_p50_ms: round(percentile(calls, 50), 1),
      call_p95_ms: round(percentile(calls, 95), 1),
      step_p95_ms: round(percentile(steps, 95), 1),
      tokens: contender.tokens(),
      others_cores: round(load.othersCores, 2),
      steal_pct: round(load.stealPct, 1),
    };
  } finally {
    contender.closeStreams();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
