import { availableParallelism } from 'node:os';
import type { SessionConfig } from '../../proto/session-config.js';

/** Every limit and default of a Parley server, by name. */
export interface ServerOptions {
  /** HTTP/WebSocket port; 0 picks a free one. */
  port: number;
  /** gRPC port (the Voice service, health, reflection); 0 picks a free one. */
  grpcPort: number;
  host: string;
  /** Accepted API keys; empty means auth is off. */
  apiKeys: readonly string[];
  /** Sessions served at once; one more is refused with `capacity_exceeded` (close 1013). */
  maxSessions: number;
  /** Largest WebSocket message, in bytes (ws `maxPayload`); larger closes with 1009. */
  maxMessageBytes: number;
  /** Audio received but not yet processed, per channel, above which reading pauses. */
  maxBufferedAudioMs: number;
  /** A connection silent this long (no audio, no keepalive) is closed. */
  idleTimeoutMs: number;
  /** How long `turn.end` waits for the end-of-utterance pass before sending the first-pass
   * text; a later, different result then arrives as `transcript.corrected`. */
  finalPassWaitMs: number;
  /** Perceived-latency budget of `turn.eager_end` (design.md section 4); eager ends over it
   * count in `parley_turn_budget_misses_total`. */
  turnBudgetMs: number;
  /** Deadline of a VAD batch after it is queued: VAD decides every turn boundary. */
  vadDeadlineMs: number;
  /** Deadline of partial decoding after its audio arrived; partials yield to turn ends. */
  partialDeadlineMs: number;
  /** Most audio one decode call takes when waiting audio is merged (overload merges it, shedding partials). */
  maxDecodeMs: number;
  /** Model work in flight at once; default one per core. */
  schedulerConcurrency: number;
  /** Extra slots for VAD and turn-end work only, so they never wait behind partial decoding. */
  schedulerUrgentReserve: number;
  /** A new session is refused (`capacity_exceeded`) while the scheduler was busier than this
   * share of its slots over the last `admissionWindowMs`. */
  admissionMaxUtilization: number;
  admissionWindowMs: number;
  /** Audio kept from before the detected speech start and fed to the recognizer with the turn. */
  preRollMs: number;
  /** Silence after a turn's speech that the recognizer decodes at once. The rest of the pause
   * is held and decoded only if speech resumes in the same turn: PocketSphinx decodes
   * silence no faster than speech, and the words do not change. */
  recognizerTrailingSilenceMs: number;
  /** How long a VAD chunk may wait for other sessions' chunks to share its model run. */
  vadMaxWaitMs: number;
  /** Decoders created at start, so the first sessions do not wait for model loading. */
  prewarmDecoders: number;
  /** Defaults for per-session config keys a client leaves out. */
  sessionDefaults: SessionConfig;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = {
  encoding: 'pcm_s16le',
  sample_rate: 16000,
  channels: 1,
  interim_results: true,
  eager_end_ms: 64,
  end_ms: 800,
  labels: {},
};

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  port: 8080,
  grpcPort: 50051,
  host: '0.0.0.0',
  apiKeys: [],
  maxSessions: 16,
  maxMessageBytes: 256 * 1024,
  maxBufferedAudioMs: 5000,
  idleTimeoutMs: 30_000,
  finalPassWaitMs: 1000,
  turnBudgetMs: 100,
  vadDeadlineMs: 25,
  partialDeadlineMs: 500,
  maxDecodeMs: 1000,
  schedulerConcurrency: availableParallelism(),
  schedulerUrgentReserve: 1,
  admissionMaxUtilization: 0.75,
  admissionWindowMs: 3000,
  preRollMs: 300,
  recognizerTrailingSilenceMs: 300,
  vadMaxWaitMs: 0,
  prewarmDecoders: 2,
  sessionDefaults: DEFAULT_SESSION_CONFIG,
};

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** Reads the documented environment variables over the defaults. */
export function serverOptionsFromEnv(env: NodeJS.ProcessEnv): ServerOptions {
  const d = DEFAULT_SERVER_OPTIONS;
  return {
    ...d,
    port: intFromEnv(env, 'PORT', d.port),
    grpcPort: intFromEnv(env, 'GRPC_PORT', d.grpcPort),
    host: env.HOST || d.host,
    apiKeys: (env.PARLEY_API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k.length > 0),
    maxSessions: intFromEnv(env, 'PARLEY_MAX_SESSIONS', d.maxSessions),
    maxMessageBytes: intFromEnv(env, 'PARLEY_MAX_MESSAGE_BYTES', d.maxMessageBytes),
    maxBufferedAudioMs: intFromEnv(env, 'PARLEY_MAX_BUFFERED_AUDIO_MS', d.maxBufferedAudioMs),
    idleTimeoutMs: intFromEnv(env, 'PARLEY_IDLE_TIMEOUT_MS', d.idleTimeoutMs),
    finalPassWaitMs: intFromEnv(env, 'PARLEY_FINAL_PASS_WAIT_MS', d.finalPassWaitMs),
    turnBudgetMs: intFromEnv(env, 'PARLEY_TURN_BUDGET_MS', d.turnBudgetMs),
    vadDeadlineMs: intFromEnv(env, 'PARLEY_VAD_DEADLINE_MS', d.vadDeadlineMs),
    partialDeadlineMs: intFromEnv(env, 'PARLEY_PARTIAL_DEADLINE_MS', d.partialDeadlineMs),
    maxDecodeMs: intFromEnv(env, 'PARLEY_MAX_DECODE_MS', d.maxDecodeMs),
    schedulerConcurrency: intFromEnv(env, 'PARLEY_SCHEDULER_CONCURRENCY', d.schedulerConcurrency),
    schedulerUrgentReserve: intFromEnv(env, 'PARLEY_SCHEDULER_URGENT_RESERVE', d.schedulerUrgentReserve),
    admissionMaxUtilization: intFromEnv(env, 'PARLEY_ADMISSION_MAX_UTILIZATION_PCT', d.admissionMaxUtilization * 100) / 100,
    admissionWindowMs: intFromEnv(env, 'PARLEY_ADMISSION_WINDOW_MS', d.admissionWindowMs),
    preRollMs: intFromEnv(env, 'PARLEY_PRE_ROLL_MS', d.preRollMs),
    recognizerTrailingSilenceMs: intFromEnv(env, 'PARLEY_RECOGNIZER_TRAILING_SILENCE_MS', d.recognizerTrailingSilenceMs),
    vadMaxWaitMs: intFromEnv(env, 'PARLEY_VAD_MAX_WAIT_MS', d.vadMaxWaitMs),
    prewarmDecoders: intFromEnv(env, 'PARLEY_PREWARM_DECODERS', d.prewarmDecoders),
  };
}
