import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readWav } from '../audio/wav.js';
import type { ServerEvent } from '../proto/messages.js';
import type { CallTarget } from './parley-call.js';
import type { QaCommandOptions } from './qa/qa-command.js';
import { DEFAULT_GATE_TOLERANCES } from './qa/regression-gate.js';
import { replay } from './replay.js';

const USAGE = `usage: npm run replay -- FILE.wav [TARGET] [--speed 1|N|max] [--chunk-ms 20] [--api-key KEY]
         streams one call and prints its events and turns as they come.
       npm run replay -- [FILE.wav|FOLDER|CALLS.jsonl ...] [--manifest CALLS.jsonl] [TARGET] [QA options]
         replays many calls and scores them (WER, latency, turns); see docs/qa-replay.md.
TARGET (one of):
  --url ws://localhost:8080/v1/listen   the WebSocket (default)
  --grpc HOST:PORT                      gRPC instead
  --webrtc http://HOST:PORT             WebRTC instead (mono calls; the track plays in real time)
  --speed 1 is real time, N is N times as fast, max (or 0) as fast as the server reads.
QA options:
  --concurrency K                calls at once (default 1)
  --report DIR                   writes DIR/report.json, report.md, report.html and timelines/
  --baseline OLD/report.json     exits 1 when this run is worse beyond the tolerances below
  --shadow TARGET2               replays every call against a second server at the same time,
                                 on the primary's transport (a ws URL, host:port, or base URL);
                                 without --baseline the gate holds the shadow to the primary
  --shadow-api-key KEY           the shadow's key (default: --api-key)
  --call-slack-ms 30000          a call may take its audio's length plus this, then fails
  --max-wer-increase 0.01        absolute (0.01 is one point), for the run and for each call
  --max-latency-increase-ms 25   per latency percentile, and ...
  --max-latency-increase-ratio 0.10  ... relative: a regression exceeds both
  --max-false-eager-increase 0.05    false eager ends per turn
  --max-error-increase 0         error events, and failed calls
Exit: 0 ok, 1 the gate failed or calls failed, 2 bad usage or input, 130 interrupted (Ctrl-C:
the calls in flight are closed and a partial report is written).`;

const OPTIONS = {
  url: { type: 'string', default: 'ws://localhost:8080/v1/listen' },
  grpc: { type: 'string' },
  webrtc: { type: 'string' },
  speed: { type: 'string', default: '1' },
  'chunk-ms': { type: 'string', default: '20' },
  'api-key': { type: 'string' },
  manifest: { type: 'string', multiple: true },
  concurrency: { type: 'string', default: '1' },
  report: { type: 'string' },
  baseline: { type: 'string' },
  shadow: { type: 'string' },
  'shadow-api-key': { type: 'string' },
  'call-slack-ms': { type: 'string', default: '30000' },
  'max-wer-increase': { type: 'string', default: String(DEFAULT_GATE_TOLERANCES.werPoints) },
  'max-latency-increase-ms': { type: 'string', default: String(DEFAULT_GATE_TOLERANCES.latencyMs) },
  'max-latency-increase-ratio': { type: 'string', default: String(DEFAULT_GATE_TOLERANCES.latencyRatio) },
  'max-false-eager-increase': { type: 'string', default: String(DEFAULT_GATE_TOLERANCES.falseEagerPerTurn) },
  'max-error-increase': { type: 'string', default: String(DEFAULT_GATE_TOLERANCES.errors) },
  help: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

type ToleranceFlag = 'max-wer-increase' | 'max-latency-increase-ms' | 'max-latency-increase-ratio' | 'max-false-eager-increase' | 'max-error-increase';

/** A flag's value that makes no sense: usage, exit 2. */
class UsageError extends Error {}

function printLive(event: ServerEvent): void {
  switch (event.type) {
    case 'session.started':
      console.log(`session ${event.session_id} started`);
      break;
    case 'transcript.partial':
      console.log(`  [ch${event.channel} turn ${event.turn_id} r${event.revision}] ${event.text}`);
      break;
    case 'turn.eager_end':
      console.log(`  [ch${event.channel} turn ${event.turn_id}] eager end (${event.latency_ms} ms): ${event.text}`);
      break;
    case 'turn.resumed':
      console.log(`  [ch${event.channel} turn ${event.turn_id}] resumed`);
      break;
    case 'turn.end':
      console.log(`FINAL [ch${event.channel} turn ${event.turn_id}] ${event.text}`);
      break;
    case 'transcript.corrected':
      console.log(`CORRECTED [ch${event.channel} turn ${event.turn_id}] ${event.previous_text} -> ${event.text}`);
      break;
    case 'error':
      console.error(`error ${event.code}${event.fatal ? ' (fatal)' : ''}: ${event.message}`);
      break;
    default:
      break;
  }
}

/** One WAV and nothing that asks for a report: today's live replay. */
async function isLiveReplay(values: Values, positionals: string[]): Promise<boolean> {
  if (positionals.length !== 1 || (values.manifest ?? []).length > 0 || values.report || values.baseline || values.shadow) return false;
  const file = positionals[0]!;
  return !file.endsWith('.jsonl') && !(await stat(file).then((s) => s.isDirectory(), () => false));
}

async function main(): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ allowPositionals: true, options: OPTIONS });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return usage();
  if (positionals.length === 0 && values.manifest === undefined) return usage('no calls: give FILE.wav, a folder, or --manifest CALLS.jsonl');
  try {
    if (await isLiveReplay(values, positionals)) return await liveReplay(positionals[0]!, values);
    // The QA modules (and the picture library they load) stay unloaded for a live replay.
    const { runQaCommand } = await import('./qa/qa-command.js');
    return await runQaCommand(qaOptions(values, positionals));
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
}

function usage(problem?: string): number {
  if (problem) console.error(problem);
  console.error(USAGE);
  return 2;
}

async function liveReplay(file: string, values: Values): Promise<number> {
  const wav = readWav(await readFile(file));
  if (wav.channels !== 1 && wav.channels !== 2) throw new Error(`${file}: Parley takes 1 or 2 channels, not ${wav.channels}`);
  const result = await replay(
    { encoding: wav.encoding, sampleRate: wav.sampleRate, channels: wav.channels, data: wav.data },
    { ...targetOf(values), speed: speedOf(values.speed), chunkMs: positive(values, 'chunk-ms'), onEvent: printLive },
  );
  console.log('\nturns:');
  for (const turn of result.turns) {
    console.log(`  ch${turn.channel} turn ${turn.turnId} (end latency ${turn.end.latency_ms} ms): ${turn.text}`);
  }
  if (result.ok) return 0;
  console.error(failureOf(values, result.closeCode));
  return 1;
}

function qaOptions(values: Values, positionals: string[]): QaCommandOptions {
  const target = targetOf(values);
  return {
    sources: { paths: positionals, manifests: values.manifest ?? [] },
    target,
    shadow: values.shadow === undefined ? undefined : shadowOf(target, values.shadow, values['shadow-api-key'] ?? values['api-key']),
    speed: speedOf(values.speed),
    chunkMs: positive(values, 'chunk-ms'),
    concurrency: wholeNumber(values, 'concurrency', 1),
    callSlackMs: wholeNumber(values, 'call-slack-ms', 0),
    reportDir: values.report,
    baseline: values.baseline,
    tolerances: {
      werPoints: atLeastZero(values, 'max-wer-increase'),
      latencyMs: atLeastZero(values, 'max-latency-increase-ms'),
      latencyRatio: atLeastZero(values, 'max-latency-increase-ratio'),
      falseEagerPerTurn: atLeastZero(values, 'max-false-eager-increase'),
      errors: atLeastZero(values, 'max-error-increase'),
    },
  };
}

function targetOf(values: Values): CallTarget {
  return { url: values.url, grpc: values.grpc, webrtc: values.webrtc, apiKey: values['api-key'] };
}

/** The shadow is the same kind of target as the primary: `--shadow` fills the primary's slot. */
function shadowOf(primary: CallTarget, shadow: string, apiKey: string | undefined): CallTarget {
  if (primary.grpc) return { grpc: shadow, apiKey };
  if (primary.webrtc) return { webrtc: shadow, apiKey };
  return { url: shadow, apiKey };
}

/** `max` and 0 send as fast as the server reads (0 is kept for scripts written before `max`). */
function speedOf(text: string): number {
  if (text === 'max') return 0;
  const speed = Number(text);
  if (!(speed >= 0) || !Number.isFinite(speed)) throw new UsageError(`--speed must be a positive number or max, not ${text}`);
  return speed;
}

function positive(values: Values, flag: 'chunk-ms'): number {
  const value = Number(values[flag]);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a positive number, not ${values[flag]}`);
  return value;
}

function wholeNumber(values: Values, flag: 'concurrency' | 'call-slack-ms', min: number): number {
  const value = Number(values[flag]);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be a whole number of at least ${min}, not ${values[flag]}`);
  return value;
}

function atLeastZero(values: Values, flag: ToleranceFlag): number {
  const value = Number(values[flag]);
  if (!(value >= 0) || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number of at least 0, not ${values[flag]}`);
  return value;
}

function failureOf(target: { grpc?: string; webrtc?: string }, closeCode: number): string {
  if (target.grpc) return `call ended with gRPC status ${closeCode}`;
  if (target.webrtc) return 'the WebRTC session did not end with session.ended "stop"';
  return `connection closed with ${closeCode}`;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  // @roamhq/wrtc crashes in Node's exit-time cleanup once an RTCAudioSource has existed
  // (node-webrtc issue #636), even with every native object closed: an explicit exit skips it.
  .finally(() => process.exit());
