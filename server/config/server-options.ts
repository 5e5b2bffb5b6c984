import { availableParallelism } from 'node:os';
import type { SessionConfig } from '../../proto/session-config.js';
import { END_OF_TURN_DEFAULTS } from '../../models/turn/end-of-turn-defaults.js';
import { LOG_LEVELS, type LogLevel } from '../logging/log-level.js';
import type { ModelPrecision } from '../../models/asr/transducer/model-folder.js';
import type { DecodingMethod } from '../../models/asr/transducer/transducer-model.js';
import type { ExecutionProvider } from '../../models/onnx/onnx-session-factory.js';
import { iceServersFromEnv, iceServersProblem, type IceServer } from './ice-servers.js';

export type AsrEngineName = 'pocketsphinx' | 'transducer';
const ASR_ENGINES: readonly AsrEngineName[] = ['pocketsphinx', 'transducer'];
const MODEL_PRECISIONS: readonly ModelPrecision[] = ['fp32', 'int8'];
const ONNX_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda'];
const DECODING_METHODS: readonly DecodingMethod[] = ['greedy_search', 'modified_beam_search'];

/** Every limit and default of a Parley server, by name. */
export interface ServerOptions {
  /** HTTP/WebSocket port; 0 picks a free one. */
  port: number;
  /** gRPC port (the Voice service, health, reflection); 0 picks a free one. */
  grpcPort: number;
  host: string;
  /** Accepted API keys; empty means auth is off. */
  apiKeys: readonly string[];
  /** Browser origins allowed to connect (`*`: any); requests without an Origin are not browsers'. */
  allowedOrigins: readonly string[];
  /** HMAC secret of browser tokens (at least 32 characters); absent, a random one per process. */
  tokenSecret: string | undefined;
  /** How long a browser token from `POST /v1/tokens` opens sessions. */
  tokenTtlMs: number;
  /** Sessions served at once; one more is refused with `capacity_exceeded` (close 1013). */
  maxSessions: number;
  /** Sessions one API key may hold at once; more are refused with `limit_exceeded`. */
  maxSessionsPerKey: number;
  /** Sessions one client address may hold at once; more are refused with `limit_exceeded`. */
  maxSessionsPerAddress: number;
  /** Connections (any transport) that have not started a session yet; more are refused. */
  maxPendingConnections: number;
  /** A connection that has not started a session this long after it opened is closed (`start_timeout`). */
  startTimeoutMs: number;
  /** TCP connections the HTTP server holds at once (HTTP, WebSocket); more are dropped by Node. */
  maxHttpConnections: number;
  /** Time a client has to send a request's headers (Node's `headersTimeout`); also how long an
   * HTTP connection may stay silent. */
  httpHeadersTimeoutMs: number;
  /** Time a client has to send a whole HTTP request (Node's `requestTimeout`). */
  httpRequestTimeoutMs: number;
  /** Largest request head (request line and headers), in bytes. */
  maxHeaderBytes: number;
  /** Largest WebSocket message, in bytes (ws `maxPayload`); larger closes with 1009. */
  maxMessageBytes: number;
  /** Audio received but not yet processed, per channel, above which reading pauses. */
  maxBufferedAudioMs: number;
  /** A session silent this long (no audio, no keepalive) is closed. */
  idleTimeoutMs: number;
  /** A turn that reaches this much audio ends (`turn.end` reason `max_duration`). */
  maxTurnMs: number;
  /** Wall time after which a session ends (`session.ended` reason `max_duration`); 0: no limit. */
  maxSessionMs: number;
  /** Most words one `transcript.partial` carries (older stable words are left out). */
  maxPartialWords: number;
  /** Events written but not yet taken by a client, in bytes, above which partials are dropped. */
  outboundSoftLimitBytes: number;
  /** Events written but not yet taken by a client, in bytes, above which the session ends (`slow_consumer`). */
  outboundHardLimitBytes: number;
  /** How long a drain (SIGTERM, `close()`) lets open turns and sessions end before cutting them off. */
  drainMs: number;
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
  /** Share of the scheduler's slots that admitted sessions may take, 0..1: a new session is
   * refused (`capacity_exceeded`) when its estimated cost would not fit, or while the slots
   * were busier than this over the last `admissionWindowMs`. */
  admissionMaxUtilization: number;
  admissionWindowMs: number;
  /** Estimated cost of one channel before it is measured, in cores (0.25: a quarter of a core). */
  admissionChannelCost: number;
  /** Retry hint on refusals (`retry_after_ms`, HTTP `Retry-After`). */
  retryAfterMs: number;
  /** Audio kept from before the detected speech start and fed to the recognizer with the turn. */
  preRollMs: number;
  /** Silence after a turn's speech that the recognizer decodes at once. The rest of the pause
   * is held and decoded only if speech resumes in the same turn: PocketSphinx decodes
   * silence no faster than speech, and the words do not change. */
  recognizerTrailingSilenceMs: number;
  /** Deadline of a pause's end-of-turn features (prosody of the speech before it) after its audio arrived. */
  endOfTurnDeadlineMs: number;
  /** A pause beginning within this much audio of the last one whose prosody was computed reuses it (bounds the work crafted audio can cause). */
  endOfTurnMinIntervalMs: number;
  /** How long a VAD chunk may wait for other sessions' chunks to share its model run. */
  vadMaxWaitMs: number;
  /** Most streams in one transducer step (one encoder run over a batch of sessions' chunks). */
  asrMaxBatch: number;
  /** Longest a transducer step waits for batch-mates (never into its deadline's slack). */
  asrBatchWaitMs: number;
  /** Decoders created at start, so the first sessions do not wait for model loading. */
  prewarmDecoders: number;
  /** Decoders that may exist at once; a stream waits for a free one beyond that. */
  maxDecoders: number;
  /** Idle decoders beyond the prewarmed ones are freed after this long unused (0: kept). */
  decoderIdleMs: number;
  /** OS nice value of the recognizer's decode threads (0: as the process), so VAD and the
   * event loop win the CPU when recognition saturates it. */
  decodeNice: number;
  /** WebRTC peer connections at once (negotiating or in a session); more are refused with 503. */
  webrtcMaxPeers: number;
  /** Largest SDP offer `POST /v1/webrtc` takes, in bytes; larger is refused with 413. */
  webrtcMaxSdpBytes: number;
  /** A peer whose `parley` data channel has not opened this long after its POST is released. */
  webrtcConnectTimeoutMs: number;
  /**
   * How long a WebRTC session waits, after its channel opens, for a first message (`start`
   * with config) before it starts with the POST's query config; the track's audio meanwhile
   * is held, not lost.
   */
  webrtcStartWaitMs: number;
  /** How long the server gathers ICE candidates before it answers with those it has. */
  webrtcIceGatherTimeoutMs: number;
  /** How long a peer may stay ICE-disconnected before its session ends (`client_gone`). */
  webrtcDisconnectGraceMs: number;
  /** STUN/TURN servers of the server's peer connections; none: host candidates only. */
  iceServers: readonly IceServer[];
  logLevel: LogLevel;
  /** The recognizer: PocketSphinx (embedded, needs nothing) or an ONNX streaming Zipformer transducer. */
  asrEngine: AsrEngineName;
  /** The transducer's model folder, as sherpa-onnx publishes it (required for `transducer`). */
  asrModelDir: string | undefined;
  /** Which of the folder's files the transducer runs when it has fp32 and int8 ones. */
  asrModelPrecision: ModelPrecision;
  /** The transducer's search: greedy (sherpa-onnx's default) or modified beam search. */
  asrDecodingMethod: DecodingMethod;
  /** Paths the transducer's beam keeps per stream. */
  asrMaxActivePaths: number;
  /** Where ONNX models run (the transducer); `cuda` falls back to the CPU, with a log line, where it cannot load. */
  onnxProvider: ExecutionProvider;
  /** Transcript text in the logs (off: never logged). */
  logTranscripts: boolean;
  /** Defaults for per-session config keys a client leaves out. */
  sessionDefaults: SessionConfig;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = {
  encoding: 'pcm_s16le',
  sample_rate: 16000,
  channels: 1,
  interim_results: true,
  end_of_turn: 'model',
  eager_end_ms: 64,
  end_ms: 800,
  eot_threshold: END_OF_TURN_DEFAULTS.eotThreshold,
  eager_eot_threshold: END_OF_TURN_DEFAULTS.eagerEotThreshold,
  min_end_ms: END_OF_TURN_DEFAULTS.minEndMs,
  max_end_ms: END_OF_TURN_DEFAULTS.maxEndMs,
  labels: {},
};

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  port: 8080,
  grpcPort: 50051,
  host: '0.0.0.0',
  apiKeys: [],
  allowedOrigins: ['*'],
  tokenSecret: undefined,
  tokenTtlMs: 300_000,
  maxSessions: 16,
  maxSessionsPerKey: 16,
  maxSessionsPerAddress: 16,
  maxPendingConnections: 256,
  startTimeoutMs: 5000,
  maxHttpConnections: 1024,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
  maxMessageBytes: 256 * 1024,
  maxBufferedAudioMs: 5000,
  idleTimeoutMs: 30_000,
  maxTurnMs: 60_000,
  maxSessionMs: 0,
  maxPartialWords: 100,
  outboundSoftLimitBytes: 256 * 1024,
  outboundHardLimitBytes: 4 * 1024 * 1024,
  drainMs: 10_000,
  finalPassWaitMs: 1000,
  turnBudgetMs: 100,
  vadDeadlineMs: 25,
  partialDeadlineMs: 500,
  maxDecodeMs: 1000,
  schedulerConcurrency: availableParallelism(),
  schedulerUrgentReserve: 1,
  admissionMaxUtilization: 0.75,
  admissionWindowMs: 3000,
  admissionChannelCost: 0.25,
  retryAfterMs: 1000,
  preRollMs: 300,
  recognizerTrailingSilenceMs: 300,
  endOfTurnDeadlineMs: 20,
  endOfTurnMinIntervalMs: 400,
  vadMaxWaitMs: 0,
  asrMaxBatch: 16,
  asrBatchWaitMs: 40,
  prewarmDecoders: 2,
  maxDecoders: 32,
  decoderIdleMs: 10_000,
  decodeNice: 10,
  webrtcMaxPeers: 16,
  webrtcMaxSdpBytes: 32 * 1024,
  webrtcConnectTimeoutMs: 10_000,
  webrtcStartWaitMs: 1000,
  webrtcIceGatherTimeoutMs: 2000,
  webrtcDisconnectGraceMs: 5000,
  iceServers: [],
  logLevel: 'info',
  asrEngine: 'pocketsphinx',
  asrModelDir: undefined,
  asrModelPrecision: 'fp32',
  asrDecodingMethod: 'greedy_search',
  asrMaxActivePaths: 4,
  onnxProvider: 'cpu',
  logTranscripts: false,
  sessionDefaults: DEFAULT_SESSION_CONFIG,
};

type IntKey = {
  [K in keyof ServerOptions]: ServerOptions[K] extends number ? K : never;
}[keyof ServerOptions];

interface IntSpec {
  env: string;
  min: number;
  max: number;
  /** The environment holds a percentage; the option is the fraction. */
  percent?: boolean;
}

const MS_DAY = 86_400_000;

/** Each integer option's variable and the range in which it makes sense. */
const INT_OPTIONS: Readonly<Record<IntKey, IntSpec>> = {
  port: { env: 'PORT', min: 0, max: 65535 },
  grpcPort: { env: 'GRPC_PORT', min: 0, max: 65535 },
  maxSessions: { env: 'PARLEY_MAX_SESSIONS', min: 1, max: 100_000 },
  tokenTtlMs: { env: 'PARLEY_TOKEN_TTL_MS', min: 1000, max: MS_DAY },
  maxSessionsPerKey: { env: 'PARLEY_MAX_SESSIONS_PER_KEY', min: 1, max: 100_000 },
  maxSessionsPerAddress: { env: 'PARLEY_MAX_SESSIONS_PER_ADDRESS', min: 1, max: 100_000 },
  maxPendingConnections: { env: 'PARLEY_MAX_PENDING_CONNECTIONS', min: 1, max: 100_000 },
  startTimeoutMs: { env: 'PARLEY_START_TIMEOUT_MS', min: 100, max: 600_000 },
  maxHttpConnections: { env: 'PARLEY_MAX_HTTP_CONNECTIONS', min: 1, max: 1_000_000 },
  httpHeadersTimeoutMs: { env: 'PARLEY_HTTP_HEADERS_TIMEOUT_MS', min: 100, max: 600_000 },
  httpRequestTimeoutMs: { env: 'PARLEY_HTTP_REQUEST_TIMEOUT_MS', min: 100, max: 600_000 },
  maxHeaderBytes: { env: 'PARLEY_MAX_HEADER_BYTES', min: 1024, max: 1024 * 1024 },
  maxMessageBytes: { env: 'PARLEY_MAX_MESSAGE_BYTES', min: 1024, max: 64 * 1024 * 1024 },
  maxBufferedAudioMs: { env: 'PARLEY_MAX_BUFFERED_AUDIO_MS', min: 100, max: 600_000 },
  idleTimeoutMs: { env: 'PARLEY_IDLE_TIMEOUT_MS', min: 100, max: MS_DAY },
  maxTurnMs: { env: 'PARLEY_MAX_TURN_MS', min: 1000, max: 3_600_000 },
  maxSessionMs: { env: 'PARLEY_MAX_SESSION_MS', min: 0, max: 7 * MS_DAY },
  maxPartialWords: { env: 'PARLEY_MAX_PARTIAL_WORDS', min: 1, max: 100_000 },
  outboundSoftLimitBytes: { env: 'PARLEY_OUTBOUND_SOFT_LIMIT_BYTES', min: 1024, max: 1024 ** 3 },
  outboundHardLimitBytes: { env: 'PARLEY_OUTBOUND_HARD_LIMIT_BYTES', min: 1024, max: 1024 ** 3 },
  drainMs: { env: 'PARLEY_DRAIN_MS', min: 0, max: 600_000 },
  finalPassWaitMs: { env: 'PARLEY_FINAL_PASS_WAIT_MS', min: 0, max: 60_000 },
  turnBudgetMs: { env: 'PARLEY_TURN_BUDGET_MS', min: 1, max: 60_000 },
  vadDeadlineMs: { env: 'PARLEY_VAD_DEADLINE_MS', min: 1, max: 60_000 },
  partialDeadlineMs: { env: 'PARLEY_PARTIAL_DEADLINE_MS', min: 1, max: 600_000 },
  maxDecodeMs: { env: 'PARLEY_MAX_DECODE_MS', min: 32, max: 600_000 },
  schedulerConcurrency: { env: 'PARLEY_SCHEDULER_CONCURRENCY', min: 1, max: 1024 },
  schedulerUrgentReserve: { env: 'PARLEY_SCHEDULER_URGENT_RESERVE', min: 0, max: 1024 },
  admissionMaxUtilization: { env: 'PARLEY_ADMISSION_MAX_UTILIZATION_PCT', min: 1, max: 100, percent: true },
  admissionWindowMs: { env: 'PARLEY_ADMISSION_WINDOW_MS', min: 100, max: 600_000 },
  admissionChannelCost: { env: 'PARLEY_ADMISSION_CHANNEL_COST_PCT', min: 1, max: 1000, percent: true },
  retryAfterMs: { env: 'PARLEY_RETRY_AFTER_MS', min: 0, max: 3_600_000 },
  preRollMs: { env: 'PARLEY_PRE_ROLL_MS', min: 0, max: 10_000 },
  recognizerTrailingSilenceMs: { env: 'PARLEY_RECOGNIZER_TRAILING_SILENCE_MS', min: 0, max: 60_000 },
  endOfTurnDeadlineMs: { env: 'PARLEY_END_OF_TURN_DEADLINE_MS', min: 1, max: 1000 },
  endOfTurnMinIntervalMs: { env: 'PARLEY_END_OF_TURN_MIN_INTERVAL_MS', min: 0, max: 10_000 },
  vadMaxWaitMs: { env: 'PARLEY_VAD_MAX_WAIT_MS', min: 0, max: 1000 },
  asrMaxBatch: { env: 'PARLEY_ASR_MAX_BATCH', min: 1, max: 1024 },
  asrBatchWaitMs: { env: 'PARLEY_ASR_BATCH_WAIT_MS', min: 0, max: 1000 },
  asrMaxActivePaths: { env: 'PARLEY_ASR_MAX_ACTIVE_PATHS', min: 1, max: 64 },
  prewarmDecoders: { env: 'PARLEY_PREWARM_DECODERS', min: 0, max: 1000 },
  maxDecoders: { env: 'PARLEY_MAX_DECODERS', min: 1, max: 10_000 },
  decoderIdleMs: { env: 'PARLEY_DECODER_IDLE_MS', min: 0, max: MS_DAY },
  decodeNice: { env: 'PARLEY_DECODE_NICE', min: 0, max: 19 },
  webrtcMaxPeers: { env: 'PARLEY_WEBRTC_MAX_PEERS', min: 1, max: 100_000 },
  webrtcMaxSdpBytes: { env: 'PARLEY_WEBRTC_MAX_SDP_BYTES', min: 1024, max: 1024 * 1024 },
  webrtcConnectTimeoutMs: { env: 'PARLEY_WEBRTC_CONNECT_TIMEOUT_MS', min: 100, max: 600_000 },
  webrtcStartWaitMs: { env: 'PARLEY_WEBRTC_START_WAIT_MS', min: 0, max: 60_000 },
  webrtcIceGatherTimeoutMs: { env: 'PARLEY_WEBRTC_ICE_GATHER_TIMEOUT_MS', min: 10, max: 60_000 },
  webrtcDisconnectGraceMs: { env: 'PARLEY_WEBRTC_DISCONNECT_GRACE_MS', min: 0, max: 600_000 },
};

/** Options that follow `maxSessions` unless their own variable is set. */
const FOLLOW_MAX_SESSIONS: readonly IntKey[] = ['maxSessionsPerKey', 'maxSessionsPerAddress'];

function intFromEnv(env: NodeJS.ProcessEnv, spec: IntSpec, fallback: number): number {
  const raw = env[spec.env];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new Error(`${spec.env} must be an integer, got "${raw}"`);
  }
  return spec.percent ? value / 100 : value;
}

function listFromEnv(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function boolFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** Reads the documented environment variables over the defaults, then validates them. */
export function serverOptionsFromEnv(env: NodeJS.ProcessEnv): ServerOptions {
  const d = DEFAULT_SERVER_OPTIONS;
  const options: ServerOptions = {
    ...d,
    host: env.HOST || d.host,
    apiKeys: listFromEnv(env.PARLEY_API_KEYS ?? ''),
    allowedOrigins: env.PARLEY_ALLOWED_ORIGINS ? listFromEnv(env.PARLEY_ALLOWED_ORIGINS) : d.allowedOrigins,
    tokenSecret: env.PARLEY_TOKEN_SECRET || d.tokenSecret,
    logLevel: (env.PARLEY_LOG_LEVEL || d.logLevel) as LogLevel,
    asrEngine: (env.PARLEY_ASR_ENGINE || d.asrEngine) as AsrEngineName,
    asrModelDir: env.PARLEY_ASR_MODEL_DIR || d.asrModelDir,
    asrModelPrecision: (env.PARLEY_ASR_MODEL_PRECISION || d.asrModelPrecision) as ModelPrecision,
    asrDecodingMethod: (env.PARLEY_ASR_DECODING || d.asrDecodingMethod) as DecodingMethod,
    onnxProvider: (env.PARLEY_ONNX_PROVIDER || d.onnxProvider) as ExecutionProvider,
    logTranscripts: boolFromEnv(env, 'PARLEY_LOG_TRANSCRIPTS', d.logTranscripts),
    iceServers: iceServersFromEnv(env.PARLEY_ICE_SERVERS),
  };
  for (const [key, spec] of Object.entries(INT_OPTIONS) as Array<[IntKey, IntSpec]>) {
    options[key] = intFromEnv(env, spec, d[key]);
  }
  for (const key of FOLLOW_MAX_SESSIONS) {
    if (!env[INT_OPTIONS[key].env]) options[key] = options.maxSessions;
  }
  return validateServerOptions(options);
}

/**
 * Refuses options that make no sense (0 message bytes, 0 concurrency, a soft limit above
 * its hard limit), naming the environment variable: the server must not start with them.
 */
export function validateServerOptions(options: ServerOptions): ServerOptions {
  for (const [key, spec] of Object.entries(INT_OPTIONS) as Array<[IntKey, IntSpec]>) {
    const value = spec.percent ? Math.round(options[key] * 100) : options[key];
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new Error(`${spec.env} must be an integer from ${spec.min} to ${spec.max}${spec.percent ? ' (percent)' : ''}, got ${value}`);
    }
  }
  const iceProblem = iceServersProblem(options.iceServers);
  const relations: Array<[boolean, string]> = [
    [options.outboundSoftLimitBytes < options.outboundHardLimitBytes, 'PARLEY_OUTBOUND_SOFT_LIMIT_BYTES must be below PARLEY_OUTBOUND_HARD_LIMIT_BYTES'],
    [options.httpHeadersTimeoutMs <= options.httpRequestTimeoutMs, 'PARLEY_HTTP_HEADERS_TIMEOUT_MS must not exceed PARLEY_HTTP_REQUEST_TIMEOUT_MS'],
    [options.prewarmDecoders <= options.maxDecoders, 'PARLEY_PREWARM_DECODERS must not exceed PARLEY_MAX_DECODERS'],
    [options.maxSessionMs === 0 || options.maxSessionMs >= 1000, 'PARLEY_MAX_SESSION_MS must be 0 (no limit) or at least 1000'],
    [LOG_LEVELS.includes(options.logLevel), `PARLEY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${options.logLevel}"`],
    [options.host.length > 0, 'HOST must not be empty'],
    [ASR_ENGINES.includes(options.asrEngine), `PARLEY_ASR_ENGINE must be one of ${ASR_ENGINES.join(', ')}, got "${options.asrEngine}"`],
    [options.asrEngine !== 'transducer' || options.asrModelDir !== undefined, 'PARLEY_ASR_ENGINE=transducer needs PARLEY_ASR_MODEL_DIR (a model folder; see docs/models.md)'],
    [MODEL_PRECISIONS.includes(options.asrModelPrecision), `PARLEY_ASR_MODEL_PRECISION must be fp32 or int8, got "${options.asrModelPrecision}"`],
    [DECODING_METHODS.includes(options.asrDecodingMethod), `PARLEY_ASR_DECODING must be greedy_search or modified_beam_search, got "${options.asrDecodingMethod}"`],
    [ONNX_PROVIDERS.includes(options.onnxProvider), `PARLEY_ONNX_PROVIDER must be cpu or cuda, got "${options.onnxProvider}"`],
    [iceProblem === null, iceProblem ?? ''],
    [
      options.webrtcIceGatherTimeoutMs < options.webrtcConnectTimeoutMs,
      'PARLEY_WEBRTC_ICE_GATHER_TIMEOUT_MS must be below PARLEY_WEBRTC_CONNECT_TIMEOUT_MS',
    ],
    [options.webrtcStartWaitMs < options.startTimeoutMs, 'PARLEY_WEBRTC_START_WAIT_MS must be below PARLEY_START_TIMEOUT_MS'],
    [options.tokenSecret === undefined || options.tokenSecret.length >= 32, 'PARLEY_TOKEN_SECRET must be at least 32 characters'],
    [
      options.allowedOrigins.length > 0 && options.allowedOrigins.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/i.test(o)),
      'PARLEY_ALLOWED_ORIGINS must be * or a comma-separated list of origins like https://app.example.com (no path)',
    ],
  ];
  for (const [holds, message] of relations) {
    if (!holds) throw new Error(message);
  }
  return options;
}
