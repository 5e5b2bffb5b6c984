import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_OPTIONS, serverOptionsFromEnv } from './server-options.js';

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
      PARLEY_API_KEYS: 'a, b',
    });
    expect(options).toMatchObject({
      recognizerTrailingSilenceMs: 150,
      vadMaxWaitMs: 10,
      preRollMs: 200,
      maxBufferedAudioMs: 8000,
      admissionMaxUtilization: 0.9,
    });
    expect(options.apiKeys).toEqual(['a', 'b']);
  });

  it('refuses a value that is not a non-negative integer, naming the variable', () => {
    expect(() => serverOptionsFromEnv({ PARLEY_RECOGNIZER_TRAILING_SILENCE_MS: '-1' })).toThrow(/PARLEY_RECOGNIZER_TRAILING_SILENCE_MS/);
    expect(() => serverOptionsFromEnv({ PARLEY_VAD_MAX_WAIT_MS: '2.5' })).toThrow(/PARLEY_VAD_MAX_WAIT_MS/);
  });
});
