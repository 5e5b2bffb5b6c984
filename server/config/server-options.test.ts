import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_OPTIONS, serverOptionsFromEnv, validateServerOptions } from './server-options.js';

describe('serverOptionsFromEnv', () => {
  it('keeps the defaults when nothing is set', () => {
    expect(serverOptionsFromEnv({})).toEqual(DEFAULT_SERVER_OPTIONS);
  });

  it('reads each documented variable into its option', () => {
    const options = serverOptionsFromEnv({
      PARLEY_RECOGNIZER_TRAILING_SILENCE_MS: '150',
      PARLEY_VAD_MAX_WAIT_MS: '10',
      PARLEY_PRE_ROLL_MS: '200',
      PARLEY_MAX_BUFFERED_AUDIO_MS: '8000',
      PARLEY_ADMISSION_MAX_UTILIZATION_PCT: '90',
      PARLEY_ADMISSION_CHANNEL_COST_PCT: '40',
      PARLEY_START_TIMEOUT_MS: '2000',
      PARLEY_MAX_PENDING_CONNECTIONS: '32',
      PARLEY_OUTBOUND_SOFT_LIMIT_BYTES: '4096',
      PARLEY_OUTBOUND_HARD_LIMIT_BYTES: '8192',
      PARLEY_MAX_TURN_MS: '20000',
      PARLEY_MAX_SESSION_MS: '3600000',
      PARLEY_DRAIN_MS: '500',
      PARLEY_DECODE_NICE: '5',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_LOG_TRANSCRIPTS: 'true',
      PARLEY_API_KEYS: 'a, b',
      PARLEY_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000',
      PARLEY_TOKEN_SECRET: 'x'.repeat(32),
      PARLEY_TOKEN_TTL_MS: '60000',
      PARLEY_ASR_ENGINE: 'transducer',
      PARLEY_ASR_MODEL_DIR: '/models/zipformer',
      PARLEY_ASR_MODEL_PRECISION: 'int8',
      PARLEY_ASR_DECODING: 'modified_beam_search',
      PARLEY_ASR_MAX_ACTIVE_PATHS: '8',
      PARLEY_ASR_MAX_BATCH: '32',
      PARLEY_ASR_BATCH_WAIT_MS: '20',
      PARLEY_ONNX_PROVIDER: 'cuda',
    });
    expect(options).toMatchObject({
      recognizerTrailingSilenceMs: 150,
      vadMaxWaitMs: 10,
      preRollMs: 200,
      maxBufferedAudioMs: 8000,
      admissionMaxUtilization: 0.9,
      admissionChannelCost: 0.4,
      startTimeoutMs: 2000,
      maxPendingConnections: 32,
      outboundSoftLimitBytes: 4096,
      outboundHardLimitBytes: 8192,
      maxTurnMs: 20000,
      maxSessionMs: 3_600_000,
      drainMs: 500,
      decodeNice: 5,
      logLevel: 'warn',
      logTranscripts: true,
      asrEngine: 'transducer',
      asrModelDir: '/models/zipformer',
      asrModelPrecision: 'int8',
      asrDecodingMethod: 'modified_beam_search',
      asrMaxActivePaths: 8,
      asrMaxBatch: 32,
      asrBatchWaitMs: 20,
      onnxProvider: 'cuda',
    });
    expect(options.apiKeys).toEqual(['a', 'b']);
    expect(options).toMatchObject({ allowedOrigins: ['https://app.example.com', 'http://localhost:3000'], tokenSecret: 'x'.repeat(32), tokenTtlMs: 60_000 });
  });

  it('lets the per-key and per-address limits follow PARLEY_MAX_SESSIONS unless set', () => {
    expect(serverOptionsFromEnv({ PARLEY_MAX_SESSIONS: '40' })).toMatchObject({ maxSessionsPerKey: 40, maxSessionsPerAddress: 40 });
    expect(serverOptionsFromEnv({ PARLEY_MAX_SESSIONS: '40', PARLEY_MAX_SESSIONS_PER_ADDRESS: '4' })).toMatchObject({
      maxSessionsPerKey: 40,
      maxSessionsPerAddress: 4,
    });
  });

  it('refuses a value that is not an integer, naming the variable', () => {
    expect(() => serverOptionsFromEnv({ PARLEY_RECOGNIZER_TRAILING_SILENCE_MS: '-1' })).toThrow(/PARLEY_RECOGNIZER_TRAILING_SILENCE_MS/);
    expect(() => serverOptionsFromEnv({ PARLEY_VAD_MAX_WAIT_MS: '2.5' })).toThrow(/PARLEY_VAD_MAX_WAIT_MS/);
    expect(() => serverOptionsFromEnv({ PARLEY_MAX_SESSIONS: '1e3' })).toThrow(/PARLEY_MAX_SESSIONS/);
  });

  it('refuses values that make no sense, with a message that names the variable and the range', () => {
    const nonsense: Record<string, string> = {
      PARLEY_MAX_MESSAGE_BYTES: '0',
      PARLEY_SCHEDULER_CONCURRENCY: '0',
      PARLEY_MAX_SESSIONS: '0',
      PARLEY_START_TIMEOUT_MS: '0',
      PARLEY_MAX_PENDING_CONNECTIONS: '0',
      PARLEY_ADMISSION_MAX_UTILIZATION_PCT: '150',
      PARLEY_DECODE_NICE: '20',
      PARLEY_MAX_TURN_MS: '10',
      PORT: '70000',
    };
    for (const [name, value] of Object.entries(nonsense)) {
      expect(() => serverOptionsFromEnv({ [name]: value }), name).toThrow(new RegExp(`${name} must be an integer from \\d+ to \\d+`));
    }
    expect(() => serverOptionsFromEnv({ PARLEY_OUTBOUND_SOFT_LIMIT_BYTES: '9000', PARLEY_OUTBOUND_HARD_LIMIT_BYTES: '8192' })).toThrow(
      /SOFT_LIMIT_BYTES must be below PARLEY_OUTBOUND_HARD_LIMIT_BYTES/,
    );
    expect(() => serverOptionsFromEnv({ PARLEY_MAX_SESSION_MS: '10' })).toThrow(/PARLEY_MAX_SESSION_MS must be 0/);
    expect(() => serverOptionsFromEnv({ PARLEY_LOG_LEVEL: 'loud' })).toThrow(/PARLEY_LOG_LEVEL/);
    expect(() => serverOptionsFromEnv({ PARLEY_LOG_TRANSCRIPTS: 'maybe' })).toThrow(/PARLEY_LOG_TRANSCRIPTS/);
    expect(() => serverOptionsFromEnv({ PARLEY_TOKEN_SECRET: 'short' })).toThrow(/PARLEY_TOKEN_SECRET/);
    expect(() => serverOptionsFromEnv({ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '60000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '30000' })).toThrow(/must not exceed/);
    expect(() => serverOptionsFromEnv({ PARLEY_ALLOWED_ORIGINS: 'https://app.example.com/path' })).toThrow(/PARLEY_ALLOWED_ORIGINS/);
    expect(() => serverOptionsFromEnv({ PARLEY_WEBRTC_START_WAIT_MS: '5000', PARLEY_START_TIMEOUT_MS: '5000' })).toThrow(/PARLEY_WEBRTC_START_WAIT_MS must be below/);
    expect(() => serverOptionsFromEnv({ PARLEY_ASR_ENGINE: 'whisper' })).toThrow(/PARLEY_ASR_ENGINE must be one of pocketsphinx, transducer/);
    expect(() => serverOptionsFromEnv({ PARLEY_ASR_ENGINE: 'transducer' })).toThrow(/needs PARLEY_ASR_MODEL_DIR/);
    expect(() => serverOptionsFromEnv({ PARLEY_ASR_MODEL_PRECISION: 'fp16' })).toThrow(/PARLEY_ASR_MODEL_PRECISION/);
    expect(() => serverOptionsFromEnv({ PARLEY_ASR_DECODING: 'beam' })).toThrow(/PARLEY_ASR_DECODING/);
    expect(() => serverOptionsFromEnv({ PARLEY_ONNX_PROVIDER: 'tpu' })).toThrow(/PARLEY_ONNX_PROVIDER/);
  });

  it('validates options given in code as strictly as the environment', () => {
    expect(() => validateServerOptions({ ...DEFAULT_SERVER_OPTIONS, maxMessageBytes: 0 })).toThrow(/PARLEY_MAX_MESSAGE_BYTES/);
    expect(() => validateServerOptions({ ...DEFAULT_SERVER_OPTIONS, schedulerConcurrency: 0.5 })).toThrow(/PARLEY_SCHEDULER_CONCURRENCY/);
  });
});
