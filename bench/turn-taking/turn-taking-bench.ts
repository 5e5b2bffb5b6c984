import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../proto/project-root.js';
import { machineCpu, machineLoad } from '../transducer/machine-cpu.js';
import { ADMISSION_OFF } from '../turn-latency/decode-nice-saturation.js';
import { printTable } from '../turn-latency/phase-runner.js';
import { startServerProcess, type ServerProcess } from '../turn-latency/server-process.js';
import { CHUNK_MS, runCorpusCall, type CorpusRecording } from './corpus-call-runner.js';
import { benchmarkCalls, type CallGroup, type CorpusCall } from './corpus-calls.js';
import { readPauses, runCurve } from './curve-run.js';
import { checkTargets } from './turn-targets.js';
import { numberList, positiveInt, type TurnTakingBenchValues } from './turn-taking-options.js';
import { addTallies, audioSentBy, summarizeTally, tallyCall, type ScoredCall, type TurnScore } from './turn-scoring.js';
import type { ChannelTruth } from './turn-truth.js';

/** A turn detector under test: nothing but the session config that selects and tunes it. */
export interface Detector {
  name: string;
  config: Record<string, unknown>;
}

/** Compared in one run, the first as the baseline: today's silence-only detector at its defaults. */
/** The silence-only detector at its defaults (the baseline), then the end-of-turn model at its defaults. */
export const DEFAULT_DETECTORS: Detector[] = [
  { name: 'silence', config: { end_of_turn: 'silence', eager_end_ms: 64, end_ms: 800 } },
  { name: 'model', config: { end_of_turn: 'model' } },
];

/** Calls start this far apart, so their chunks and turn ends do not all line up. */
const STAGGER_MS = 250;
/**
 * Calls streamed at once. Longest first, 4 at a time take as long as all at once (the
 * two-party call alone is 249 s of the 880), and keep the load where this 2-core machine
 * holds PocketSphinx sessions at real time: with 17 at once and other processes busy, the
 * server fell 30 s and more behind the audio.
 */
const DEFAULT_CONCURRENCY = 4;
const GROUPS: CallGroup[] = ['monologue', 'two-party', 'meeting', 'librivox'];
const ROWS = [...GROUPS, 'all'];

interface DetectorRun {
  detector: Detector;
  /** Error messages of refused sessions (a config the server does not know). */
  errors: string[];
  wallSeconds: number;
  serverCpuCores: number;
  /** Cores other processes kept busy during the pass, and the hypervisor's steal: real time is shared. */
  othersCores: number;
  stealPct: number;
  groups: Record<string, TurnScore>;
  /** Per call, with its truth and turn events, for scoring again without streaming again. */
  calls: Array<{ id: string } & TurnScore & { truth: ChannelTruth[]; turn_events: Array<Record<string, unknown>> }>;
}

const TURN_EVENTS: ReadonlySet<string> = new Set(['speech.started', 'turn.eager_end', 'turn.resumed', 'turn.end']);

/**
 * `npm run bench -- --turn-taking`: every benchmark call streamed at real time through a real
 * server, once per detector, scored against ground truth from how the calls were built or
 * annotated. With `--curve-pauses FILE`: the offline threshold curve instead (no server).
 */
export async function runTurnTakingBench(values: TurnTakingBenchValues, serverEnv: Record<string, string>): Promise<void> {
  const calls = benchmarkCalls();
  if (values['curve-pauses'] !== undefined) return curveMode(values, calls);
  const detectors = values.detector?.map(parseDetector) ?? DEFAULT_DETECTORS;
  const concurrency = values['turn-concurrency'] === undefined ? DEFAULT_CONCURRENCY : positiveInt('turn-concurrency', values['turn-concurrency']);
  printTruth(calls);
  console.log(`\n${detectors.length} detector(s), ${concurrency} call(s) at once at real time, ${availableParallelism()} cores`);
  const server = await startServerProcess({ ...ADMISSION_OFF, ...serverEnv });
  const runs: DetectorRun[] = [];
  try {
    for (const detector of detectors) runs.push(await runDetector(server, detector, calls, concurrency));
  } finally {
    await server.stop();
  }
  for (const run of runs) {
    if (run.errors.length > 0) console.log(`\n${run.detector.name}: refused: ${[...new Set(run.errors)].join('; ')}`);
    else {
      const machine = `server ${run.serverCpuCores.toFixed(2)} cores, others ${run.othersCores.toFixed(2)}, steal ${run.stealPct.toFixed(0)} %`;
      const title = `${run.detector.name} ${JSON.stringify(run.detector.config)}: ${run.wallSeconds.toFixed(0)} s, ${machine}`;
      printTable(title, ROWS.map((g) => compactRow(g, run.groups[g]!)));
    }
  }
  const [baseline, ...others] = runs;
  const comparisons = others
    .filter((r) => r.errors.length === 0 && baseline?.errors.length === 0)
    .map((r) => ({ detector: r.detector.name, baseline: baseline!.detector.name, targets: checkTargets(r.groups.all!, baseline!.groups.all!) }));
  for (const c of comparisons) {
    const title = `${c.detector} against ${c.baseline} (issue 11 targets; eager p95 counts with ${concurrency} sessions at once)`;
    printTable(title, c.targets.map((t) => ({ ...t, met: t.met ? 'yes' : 'NO' })));
  }
  writeResults('turn-taking.json', {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    server_env: serverEnv,
    sessions_at_once: concurrency,
    calls: calls.map(truthRow),
    runs,
    comparisons,
  });
}

async function runDetector(server: ServerProcess, detector: Detector, calls: CorpusCall[], concurrency: number): Promise<DetectorRun> {
  console.log(`${detector.name}: streaming ${calls.length} calls...`);
  const cpu0 = server.cpuSeconds();
  const own0 = process.cpuUsage();
  const machine0 = machineCpu();
  const t0 = performance.now();
  const seconds = (c: CorpusCall) => c.channels[0]!.length / c.sampleRate;
  const longestFirst = calls.map((_, i) => i).sort((a, b) => seconds(calls[b]!) - seconds(calls[a]!));
  const recordings: CorpusRecording[] = [];
  await mapLimited(longestFirst, concurrency, async (callIndex, k) => {
    if (k < concurrency) await new Promise((resolve) => setTimeout(resolve, k * STAGGER_MS));
    recordings[callIndex] = await runCorpusCall({ url: server.url }, calls[callIndex]!, 1, detector.config);
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const serverCpu = server.cpuSeconds() - cpu0;
  const own = process.cpuUsage(own0);
  const load = machineLoad(machine0, machineCpu(), serverCpu + (own.user + own.system) / 1e6, wallSeconds);
  const errors = recordings.flatMap((r) => (r.refused ? r.events.map((e) => (e.event.type === 'error' ? e.event.message : '')).filter(Boolean) : []));
  if (recordings.some((r) => r.refused) && errors.length === 0) errors.push('refused without an error event');
  const scored: ScoredCall[] = calls.map((call, i) => ({ truth: call.truth, ...recordings[i]!, chunkMs: CHUNK_MS }));
  const tallies = scored.map((c) => tallyCall(c));
  const groups: Record<string, TurnScore> = { all: summarizeTally(addTallies(tallies)) };
  for (const g of GROUPS) groups[g] = summarizeTally(addTallies(tallies.filter((_, i) => calls[i]!.group === g)));
  return {
    detector,
    errors,
    wallSeconds,
    serverCpuCores: serverCpu / wallSeconds,
    ...load,
    groups,
    calls: calls.map((c, i) => ({ id: c.id, ...summarizeTally(tallies[i]!), truth: c.truth, turn_events: turnEvents(scored[i]!) })),
  };
}

async function curveMode(values: TurnTakingBenchValues, calls: CorpusCall[]): Promise<void> {
  const grid = {
    eotThresholds: numberList('eot-thresholds', values['eot-thresholds'] ?? '', (n) => n >= 0 && n <= 1),
    minEndMs: numberList('min-end-ms', values['min-end-ms'] ?? '', (n) => n >= 0),
    maxEndMs: numberList('max-end-ms', values['max-end-ms'] ?? '', (n) => n > 0),
    silenceEndMs: numberList('silence-end-ms', values['silence-end-ms'] ?? '', (n) => n > 0),
  };
  const pauses = readPauses(values['curve-pauses']!, calls);
  const curve = await runCurve(pauses, calls, grid);
  const row = (p: (typeof curve.model)[number]) => ({
    eot_threshold: p.eotThreshold,
    min_end_ms: p.minEndMs,
    max_end_ms: p.maxEndMs,
    cut_offs: p.cutOffs,
    cut_offs_per_min: +(p.cutOffs / curve.turnMinutes).toFixed(2),
    found_pct: +((100 * p.endsFound) / Math.max(1, p.trueEnds)).toFixed(1),
    end_p50_ms: p.latencyP50Ms,
    end_p95_ms: p.latencyP95Ms,
  });
  const { insideTurn, trueEnds } = curve.pauses;
  console.log(`Threshold curve: ${insideTurn} pauses within turns, ${trueEnds} true ends, ${curve.turnMinutes.toFixed(1)} min of turns`);
  printTable('Silence only (max_end_ms is end_ms)', curve.silence.map(row));
  printTable('End-of-turn model', curve.model.map(row));
  const separability = curve.separability.map((s) => ({
    silence_ms: s.silenceMs,
    true_ends: s.trueEnds,
    pauses_inside: s.insideTurn,
    roc_auc: s.auc === null ? '-' : +s.auc.toFixed(3),
  }));
  printTable('Separability: true ends against pauses within turns that lasted as long (area under the ROC curve)', separability);
  mkdirSync(join(projectRoot(), 'bench/results'), { recursive: true });
  writeFileSync(join(projectRoot(), 'bench/results/turn-taking-curve.png'), curve.png);
  console.log('\nwrote bench/results/turn-taking-curve.png');
  writeResults('turn-taking-curve.json', {
    date: new Date().toISOString(),
    grid,
    turn_minutes: curve.turnMinutes,
    pauses: curve.pauses,
    silence: curve.silence.map(row),
    model: curve.model.map(row),
    separability,
  });
}

/** A call's turn events without their text, each with how much audio the client had sent when it arrived. */
function turnEvents(call: ScoredCall): Array<Record<string, unknown>> {
  return call.events
    .filter((e) => TURN_EVENTS.has(e.event.type))
    .map(({ event, at }) => {
      const { text: _text, words: _words, ...rest } = event as unknown as Record<string, unknown>;
      return { ...rest, received_at_audio_ms: audioSentBy(call, at) };
    });
}

/** `NAME=<JSON object>`: a detector given on the command line. */
function parseDetector(raw: string): Detector {
  const eq = raw.indexOf('=');
  const config = eq > 0 ? (JSON.parse(raw.slice(eq + 1)) as unknown) : undefined;
  if (eq < 1 || typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new Error(`--detector takes NAME={"key":value,...} (session config), got "${raw}"`);
  }
  return { name: raw.slice(0, eq), config: config as Record<string, unknown> };
}

function truthRow(c: CorpusCall) {
  return {
    id: c.id,
    channels: c.channels.length,
    rate: c.sampleRate,
    seconds: +(c.channels[0]!.length / c.sampleRate).toFixed(1),
    turns: c.truth.map((t) => t.turns.length).join('+'),
    ends_to_find: c.truth.map((t) => t.turns.filter((x) => x.scored).length).join('+'),
    pauses_inside: c.insidePauses.join('+'),
  };
}

function printTruth(calls: CorpusCall[]): void {
  printTable('Ground truth (per channel: true turns, ends to find, energy pauses of 200 ms and more inside turns)', calls.map(truthRow));
}

function compactRow(group: string, s: TurnScore) {
  return {
    calls: group,
    turns: s.true_turns,
    ends: s.true_ends,
    found_pct: s.found_pct ?? '-',
    cut_offs: s.cut_offs,
    per_min: s.cut_offs_per_min ?? '-',
    false_eager_per_turn: s.false_eager_per_turn ?? '-',
    eager_p50_p95: `${s.eager_p50_ms ?? '-'} / ${s.eager_p95_ms ?? '-'}`,
    final_p50_p95: `${s.final_p50_ms ?? '-'} / ${s.final_p95_ms ?? '-'}`,
    server_final_p50_p95: `${s.server_final_p50_ms ?? '-'} / ${s.server_final_p95_ms ?? '-'}`,
    late: s.late_ends,
    unheard: s.unheard_ends,
    other: s.other_ends,
    forced: s.forced_ends,
    turn_min: s.turn_min,
  };
}

function writeResults(file: string, results: unknown): void {
  const dir = join(projectRoot(), 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results/${file}`);
}

/** `fn` over `items` in order, at most `limit` at a time. */
async function mapLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
