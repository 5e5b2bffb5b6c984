// npm run bench: perceived turn latency under load, against ground truth, and throughput
// against PocketSphinx alone. Prints a table and writes bench/results/turn-latency.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { wordErrorRate } from '../../clients/wer.js';
import { projectRoot } from '../../proto/project-root.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import { rawEngineTranscripts } from '../../test/support/raw-engine.js';
import { buildBenchCall, type BenchCall } from './bench-calls.js';
import { stolenCpuSeconds } from './cpu-steal.js';
import { heardAudioWer } from './heard-audio-wer.js';
import { analyzeCall, emptyFigures, percentile, phaseWer, type PhaseFigures } from './call-analysis.js';
import { runCall } from './call-runner.js';
import { rawEngineThroughput } from './raw-engine-throughput.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const BUDGET_MS = 100;
const GAPS_MS = [1500, 1200, 1800, 1400];
const ADMISSION_OFF = { PARLEY_ADMISSION_MAX_UTILIZATION_PCT: '100', PARLEY_MAX_SESSIONS: '64' };

const { values } = parseArgs({
  options: {
    sweep: { type: 'string', default: '1,2,3,4,6,8' },
    turns: { type: 'string', default: '4' },
    'stagger-ms': { type: 'string', default: '700' },
    'saturation-calls': { type: 'string', default: '4' },
    /** How much of the call before each utterance the WER reference hears (300: the server's pre-roll). */
    'lead-ins': { type: 'string', default: '0,300' },
    'eager-end-ms': { type: 'string' },
    'end-ms': { type: 'string' },
    'sweep-only': { type: 'boolean', default: false },
  },
});
const sessionConfig: Record<string, number> = {};
if (values['eager-end-ms']) sessionConfig.eager_end_ms = Number(values['eager-end-ms']);
if (values['end-ms']) sessionConfig.end_ms = Number(values['end-ms']);
const sweep = values.sweep.split(',').map(Number);
const turnsPerCall = Number(values.turns);
const staggerMs = Number(values['stagger-ms']);
const saturationCalls = Number(values['saturation-calls']);
const leadInsMs = values['lead-ins'].split(',').map(Number);

const utterances = loadLibriVox();
function callFor(i: number): BenchCall {
  const order = Array.from({ length: turnsPerCall }, (_, k) => (i + k) % utterances.length);
  return buildBenchCall(utterances, order, GAPS_MS.map((_, k) => GAPS_MS[(i + k) % GAPS_MS.length]!));
}

/**
 * PocketSphinx alone on each call's utterances, the WER reference: one fresh decoder per call,
 * as a session gets (live CMN carries over between a call's turns, never between calls), each
 * turn's true speech span with `leadInMs` of the call's audio before it.
 */
async function rawPerCall(calls: BenchCall[], leadInMs: number): Promise<string[]> {
  const texts: string[] = [];
  for (const c of calls) {
    const spans = c.turns.map((t) => c.samples.subarray(Math.round((t.startMs - leadInMs) * 16), Math.round(t.endMs * 16)));
    texts.push(...(await rawEngineTranscripts(spans)));
  }
  return texts;
}

interface PhaseResult {
  sessions: number;
  figures: PhaseFigures;
  cpuCores: number;
  wallSeconds: number;
  /** Share of the machine's CPU time the hypervisor took during the phase. */
  stealShare: number;
}

/** N calls at real time, started `staggerMs` apart so their turns do not line up. */
async function runPhase(server: ServerProcess, sessions: number, speed: number, stagger: number): Promise<PhaseResult> {
  const cpu0 = server.cpuSeconds();
  const stolen0 = stolenCpuSeconds();
  const t0 = performance.now();
  const recordings = await Promise.all(
    Array.from({ length: sessions }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * stagger));
      return runCall(server.url, callFor(i), speed, sessionConfig);
    }),
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  const figures = emptyFigures();
  recordings.forEach((r) => analyzeCall(r, figures));
  return {
    sessions,
    figures,
    cpuCores: (server.cpuSeconds() - cpu0) / wallSeconds,
    wallSeconds,
    stealShare: (stolenCpuSeconds() - stolen0) / (wallSeconds * cores),
  };
}

function summarize(phase: PhaseResult) {
  const f = phase.figures;
  const round = (x: number) => Math.round(x);
  return {
    sessions: phase.sessions,
    admitted: f.calls - f.refused,
    refused: f.refused,
    turns: f.truthTurns,
    eager_p50_ms: round(percentile(f.eager, 50)),
    eager_p95_ms: round(percentile(f.eager, 95)),
    eager_p99_ms: round(percentile(f.eager, 99)),
    final_p50_ms: round(percentile(f.final, 50)),
    final_p95_ms: round(percentile(f.final, 95)),
    partial_p50_ms: round(percentile(f.partial, 50)),
    partial_p95_ms: round(percentile(f.partial, 95)),
    missed_turns: f.missedTurns,
    false_eager_per_turn: +(f.resumed / Math.max(1, f.truthTurns)).toFixed(2),
    flicker: +(f.flickeredWords / Math.max(1, f.partialWords)).toFixed(3),
    stable_violations: f.stableViolations,
    wer: +phaseWer(f).toFixed(3),
    cpu_cores: +phase.cpuCores.toFixed(2),
    steal_pct: Math.round(phase.stealShare * 100),
  };
}

function printTable(title: string, rows: Array<Record<string, number>>): void {
  console.log(`\n${title}`);
  const keys = Object.keys(rows[0] ?? {});
  console.log(keys.join('\t'));
  for (const row of rows) console.log(keys.map((k) => row[k]).join('\t'));
}

const cores = availableParallelism();
console.log(`turn-latency bench: ${cores} cores, ${turnsPerCall} turns per call, LibriVox utterances from pocketsphinx-testdata`);

// 1. Latency sweep, admission off, so every call is served.
const server = await startServerProcess(ADMISSION_OFF);
const sweepRows = [];
for (const n of sweep) {
  const row = summarize(await runPhase(server, n, 1, staggerMs));
  sweepRows.push(row);
  console.log(`N=${n}: eager p95 ${row.eager_p95_ms} ms, p99 ${row.eager_p99_ms} ms, false eager ${row.false_eager_per_turn}/turn, WER ${row.wer}, CPU ${row.cpu_cores} cores`);
}
const holding = sweepRows.filter((r) => r.eager_p95_ms <= BUDGET_MS && r.missed_turns === 0);
const maxSessions = holding.length > 0 ? Math.max(...holding.map((r) => r.sessions)) : 0;

if (values['sweep-only']) {
  await server.stop();
  printTable('Perceived turn latency sweep (speed 1x, admission off)', sweepRows);
  process.exit(0);
}

// 2. Saturated throughput: calls as fast as the server reads them, against PocketSphinx alone on the same audio.
const saturationCallsAudio = Array.from({ length: saturationCalls }, (_, i) => callFor(i));
const saturation = await runPhase(server, saturationCalls, 0, 0);
await server.stop();
const serverAudioSeconds = saturationCallsAudio.reduce((s, c) => s + c.samples.length / 16000, 0);
const serverThroughput = serverAudioSeconds / saturation.wallSeconds;
const serverCpuSeconds = saturation.cpuCores * saturation.wallSeconds;
const stolen = stolenCpuSeconds();
const raw = await rawEngineThroughput(saturationCallsAudio.map((c) => c.samples), cores);
const rawSteal = (stolenCpuSeconds() - stolen) / (raw.wallSeconds * cores);
const rawThroughput = raw.audioSeconds / raw.wallSeconds;
const rawSpeech = await rawEngineThroughput(
  saturationCallsAudio.flatMap((c) => c.turns.map((t) => c.samples.subarray(Math.round(t.startMs * 16), Math.round(t.endMs * 16)))),
  cores,
);
const references = saturationCallsAudio.flatMap((c) => c.turns.map((t) => t.transcript)).join(' ');
const rawWerByLeadIn: Record<number, number> = {};
for (const leadIn of leadInsMs) rawWerByLeadIn[leadIn] = wordErrorRate(references, (await rawPerCall(saturationCallsAudio, leadIn)).join(' '));
const heard = await heardAudioWer(saturationCallsAudio);

// 3. Admission control: sessions arrive one per second, past saturation, with the defaults.
const admissionServer = await startServerProcess({});
const arrivals = Math.max(maxSessions, 1) + 4;
const admission = summarize(await runPhase(admissionServer, arrivals, 1, 1000));
await admissionServer.stop();

printTable('Perceived turn latency sweep (speed 1x, admission off)', sweepRows);
console.log(`\nLargest N holding eager-end p95 <= ${BUDGET_MS} ms with no missed turn: ${maxSessions}`);
console.log(
  `\nSaturated throughput (${saturationCalls} calls at full speed): server ${serverThroughput.toFixed(2)} x real time; ` +
    `PocketSphinx alone on the same call audio ${rawThroughput.toFixed(2)} x; ratio ${(serverThroughput / rawThroughput).toFixed(2)}` +
    `\n(PocketSphinx alone on the speech only: ${(rawSpeech.audioSeconds / rawSpeech.wallSeconds).toFixed(2)} x real time of speech)` +
    `\nCPU stolen by the hypervisor: ${(saturation.stealShare * 100).toFixed(0)} % while the server ran, ${(rawSteal * 100).toFixed(0)} % while PocketSphinx alone ran` +
    `\nPer CPU second: server ${(serverAudioSeconds / serverCpuSeconds).toFixed(2)} s of audio, PocketSphinx alone ${(raw.audioSeconds / raw.cpuSeconds).toFixed(2)} s; ratio ${(raw.cpuSeconds / serverCpuSeconds).toFixed(2)}`,
);
console.log(
  `WER: PocketSphinx alone, a decoder per call, on each utterance with ` +
    leadInsMs.map((ms) => `${ms} ms of the call before it ${rawWerByLeadIn[ms]!.toFixed(3)}`).join(', ') +
    `; server at saturation ${phaseWer(saturation.figures).toFixed(3)}` +
    `\n(the server's pipeline in-process ${heard.pipeline.toFixed(3)}; PocketSphinx alone on exactly the audio its recognizer heard ${heard.rawOnHeardAudio.toFixed(3)})`,
);
printTable(`Admission (${arrivals} sessions arriving 1 s apart, default admission)`, [admission]);

const results = {
  date: new Date().toISOString(),
  cores,
  budget_ms: BUDGET_MS,
  sweep: sweepRows,
  max_sessions_within_budget: maxSessions,
  saturation: {
    calls: saturationCalls,
    call_audio_seconds: serverAudioSeconds,
    server_x_realtime: serverThroughput,
    raw_x_realtime: rawThroughput,
    ratio: serverThroughput / rawThroughput,
    server_cpu_seconds: serverCpuSeconds,
    raw_cpu_seconds: raw.cpuSeconds,
    cpu_ratio: raw.cpuSeconds / serverCpuSeconds,
    server_steal_share: saturation.stealShare,
    raw_steal_share: rawSteal,
    raw_speech_only_x_realtime: rawSpeech.audioSeconds / rawSpeech.wallSeconds,
    server_wer: phaseWer(saturation.figures),
    raw_wer_by_lead_in_ms: rawWerByLeadIn,
    pipeline_wer_in_process: heard.pipeline,
    raw_wer_on_heard_audio: heard.rawOnHeardAudio,
  },
  admission,
};
const out = join(projectRoot(), 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'turn-latency.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote bench/results/turn-latency.json`);
