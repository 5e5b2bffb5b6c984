// npm run bench: perceived turn latency under load, against ground truth, and throughput
// against PocketSphinx alone. Prints a table and writes bench/results/turn-latency.json.
//
// Other modes (each runs alone and writes its own JSON under bench/results/):
//   --burst N      N calls arriving within --burst-window-ms (1000) at a server with admission
//                  on: admitted / refused, retry hints, eager-end p50/p95/p99 of the admitted.
//   --saturate N   N concurrent calls with admission off, once per --nice value (0,10) of
//                  PARLEY_DECODE_NICE: eager-end and partial latency side by side.
//   --webrtc N     the same N calls over the WebSocket, then over WebRTC, against one server
//                  (admission off): perceived turn latency of the two transports side by side.
//   --server-env K=V,K=V   extra environment for every server the benchmark starts.
//   --engine transducer --model DIR   no server: real-time streams per core of the transducer
//                  engine, batched and not, against sherpa-onnx alone (bench/transducer/).
//   --telephone    8 kHz mu-law calls from asterisk-en through a server: WER against
//                  PocketSphinx alone, one and two channels (bench/telephone/).
//   --turn-taking  turn-taking against ground truth from the shared corpus, one real-time pass
//                  per --detector NAME=<session config JSON>; or, with --curve-pauses FILE, the
//                  offline threshold curve (bench/turn-taking/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { wordErrorRate } from '../../clients/wer.js';
import { projectRoot } from '../../proto/project-root.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import { rawEngineTranscripts } from '../../test/support/raw-engine.js';
import { runBurst } from './admission-burst.js';
import { buildBenchCall, type BenchCall } from './bench-calls.js';
import { phaseWer } from './call-analysis.js';
import { stolenCpuSeconds } from './cpu-steal.js';
import { ADMISSION_OFF, runDecodeNiceSaturation } from './decode-nice-saturation.js';
import { heardAudioWer } from './heard-audio-wer.js';
import { printTable, runPhase, staggered, summarize } from './phase-runner.js';
import { rawEngineThroughput } from './raw-engine-throughput.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { ENGINE_BENCH_ARGS } from '../transducer/engine-bench-options.js';
import { runEngineBench } from '../transducer/transducer-bench.js';
import { TELEPHONE_BENCH_ARGS } from '../telephone/telephone-bench-options.js';
import { runTelephoneBench } from '../telephone/telephone-bench.js';
import { TURN_TAKING_BENCH_ARGS } from '../turn-taking/turn-taking-options.js';
import { runTurnTakingBench } from '../turn-taking/turn-taking-bench.js';

const BUDGET_MS = 100;
const GAPS_MS = [1500, 1200, 1800, 1400];

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
    burst: { type: 'string' },
    'burst-window-ms': { type: 'string', default: '1000' },
    saturate: { type: 'string' },
    nice: { type: 'string', default: '0,10' },
    webrtc: { type: 'string' },
    'server-env': { type: 'string', default: '' },
    ...ENGINE_BENCH_ARGS,
    ...TELEPHONE_BENCH_ARGS,
    ...TURN_TAKING_BENCH_ARGS,
  },
});

if (values.telephone) {
  await runTelephoneBench(values);
  process.exit(0);
}

if (values.engine !== undefined || values['build-bench-model']) {
  await runEngineBench(values);
  process.exit(0);
}

if (values['turn-taking']) {
  await runTurnTakingBench(values, parseServerEnv(values['server-env']));
  process.exit(0);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

function parseServerEnv(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of raw.split(',').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--server-env takes KEY=VALUE pairs separated by commas, got "${pair}"`);
    env[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return env;
}

const sessionConfig: Record<string, number> = {};
if (values['eager-end-ms']) sessionConfig.eager_end_ms = Number(values['eager-end-ms']);
if (values['end-ms']) sessionConfig.end_ms = Number(values['end-ms']);
const sweep = values.sweep.split(',').map(Number);
const turnsPerCall = Number(values.turns);
const staggerMs = Number(values['stagger-ms']);
const saturationCalls = Number(values['saturation-calls']);
const leadInsMs = values['lead-ins'].split(',').map(Number);
const serverEnv = parseServerEnv(values['server-env']);

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

const cores = availableParallelism();
console.log(`turn-latency bench: ${cores} cores, ${turnsPerCall} turns per call, LibriVox utterances from pocketsphinx-testdata`);
const resultsDir = join(projectRoot(), 'bench/results');

function writeResults(file: string, results: unknown): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, file), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results/${file}`);
}

/** A phase of N calls at real time, started `stagger` ms apart. */
function phase(server: ServerProcess, sessions: number, speed: number, stagger: number) {
  return runPhase(server, { sessions, callFor, speed, startOffsetMs: staggered(stagger), sessionConfig });
}

if (values.burst !== undefined || values.saturate !== undefined || values.webrtc !== undefined) {
  if (values.burst !== undefined) await burstMode(positiveInt('burst', values.burst));
  if (values.saturate !== undefined) await saturateMode(positiveInt('saturate', values.saturate));
  if (values.webrtc !== undefined) await transportsMode(positiveInt('webrtc', values.webrtc));
  process.exit(0);
}

/** The same calls over each transport, one after the other, against one server. */
async function transportsMode(sessions: number): Promise<void> {
  console.log(`\nTransports: ${sessions} calls ${staggerMs} ms apart over the WebSocket, then the same over WebRTC`);
  const server = await startServerProcess({ ...ADMISSION_OFF, ...serverEnv });
  const rows = [];
  try {
    for (const transport of ['websocket', 'webrtc'] as const) {
      const result = await runPhase(server, { sessions, callFor, speed: 1, startOffsetMs: staggered(staggerMs), sessionConfig, transport });
      rows.push({ transport, ...summarize(result) });
    }
  } finally {
    await server.stop();
  }
  printTable(`Perceived turn latency by transport (${sessions} calls, loopback; ms)`, rows);
  writeResults('turn-latency-transports.json', { date: new Date().toISOString(), cores, turns_per_call: turnsPerCall, stagger_ms: staggerMs, rows });
}

/** Issue item 8: N calls within one second at a server with admission on (its defaults, plus --server-env). */
async function burstMode(arrivals: number): Promise<void> {
  const windowMs = Number(values['burst-window-ms']);
  console.log(`\nBurst: ${arrivals} calls arriving within ${windowMs} ms, admission on`);
  const result = await runBurst({ sessions: arrivals, windowMs, callFor, sessionConfig, serverEnv });
  const { row, refusals } = result;
  printTable(`Admission burst (${arrivals} calls within ${windowMs} ms; latencies of the admitted calls, ms)`, [
    {
      arrivals,
      admitted: row.admitted,
      refused: row.refused,
      refused_with_retry_after_ms: refusals.with_retry_after_ms,
      eager_p50_ms: row.eager_p50_ms,
      eager_p95_ms: row.eager_p95_ms,
      eager_p99_ms: row.eager_p99_ms,
      final_p95_ms: row.final_p95_ms,
      partial_p95_ms: row.partial_p95_ms,
      missed_turns: row.missed_turns,
      false_eager_per_turn: row.false_eager_per_turn,
      cpu_cores: row.cpu_cores,
      steal_pct: row.steal_pct,
    },
  ]);
  const hints =
    refusals.with_retry_after_ms > 0 ? ` (${refusals.retry_after_ms_min} to ${refusals.retry_after_ms_max} ms)` : '';
  console.log(
    `Refusals: ${refusals.refused}, ${refusals.capacity_exceeded} with capacity_exceeded, ` +
      `${refusals.with_retry_after_ms} of them with retry_after_ms${hints}; close codes ${JSON.stringify(refusals.close_codes)}`,
  );
  for (const [message, count] of Object.entries(refusals.messages)) console.log(`  ${count} x "${message}"`);
  if (Object.keys(result.server_metrics_during).length > 0) {
    console.log(`Server admission metrics 3 s after the last arrival: ${JSON.stringify(result.server_metrics_during)}`);
  }
  const holds = row.admitted > 0 && row.eager_p95_ms <= BUDGET_MS && row.missed_turns === 0;
  const hinted = refusals.refused === refusals.with_retry_after_ms;
  const hintVerdict =
    refusals.refused === 0 ? 'no call was refused' : `${hinted ? 'every refusal carried' : 'NOT every refusal carried'} retry_after_ms`;
  console.log(
    `Admitted calls' eager-end p95 ${row.eager_p95_ms} ms: ${holds ? 'within' : 'NOT within'} the ${BUDGET_MS} ms budget; ${hintVerdict}`,
  );
  writeResults('turn-latency-burst.json', {
    date: new Date().toISOString(),
    cores,
    budget_ms: BUDGET_MS,
    turns_per_call: turnsPerCall,
    server_env: serverEnv,
    within_budget: holds,
    every_refusal_hinted: hinted,
    ...result,
  });
}

/** N concurrent calls, admission off, once per PARLEY_DECODE_NICE value. */
async function saturateMode(sessions: number): Promise<void> {
  const niceLevels = values.nice.split(',').map((n) => {
    const v = Number(n);
    if (!Number.isInteger(v) || v < 0 || v > 19) throw new Error(`--nice takes nice values 0..19, got "${n}"`);
    return v;
  });
  console.log(`\nSaturation: ${sessions} calls ${staggerMs} ms apart, admission off, PARLEY_DECODE_NICE ${niceLevels.join(' then ')}`);
  const runs = await runDecodeNiceSaturation({ sessions, staggerMs, niceLevels, callFor, sessionConfig, serverEnv });
  printTable(`Saturated, decode threads' nice value side by side (${sessions} calls, admission off; latencies in ms)`, runs.map((r) => ({ ...r.row })));
  writeResults('turn-latency-saturate.json', {
    date: new Date().toISOString(),
    cores,
    budget_ms: BUDGET_MS,
    turns_per_call: turnsPerCall,
    stagger_ms: staggerMs,
    server_env: serverEnv,
    runs,
  });
}

// 1. Latency sweep, admission off, so every call is served.
const server = await startServerProcess({ ...ADMISSION_OFF, ...serverEnv });
const sweepRows = [];
for (const n of sweep) {
  const row = summarize(await phase(server, n, 1, staggerMs));
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
const saturation = await phase(server, saturationCalls, 0, 0);
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
const admissionServer = await startServerProcess(serverEnv);
const arrivals = Math.max(maxSessions, 1) + 4;
const admission = summarize(await phase(admissionServer, arrivals, 1, 1000));
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
writeResults('turn-latency.json', results);
