import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_CONFIG } from '../config/server-options.js';
import { applyConfigLayer, configFromQuery, validateSessionConfig } from './session-config-resolver.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('session config', () => {
  it('layers query strings, then start-message values, over the defaults', () => {
    const query = configFromQuery(new URLSearchParams('encoding=mulaw&sample_rate=8000&channels=2&token=secret'), ['token']);
    const fromQuery = applyConfigLayer(DEFAULT_SESSION_CONFIG, query);
    const config = applyConfigLayer(fromQuery, { sample_rate: 16000, interim_results: false, labels: { call_id: 'c1' } });
    expect(config).toEqual({
      ...DEFAULT_SESSION_CONFIG,
      encoding: 'mulaw',
      sample_rate: 16000,
      channels: 2,
      interim_results: false,
      labels: { call_id: 'c1' },
    });
  });

  it('parses labels given as JSON in the query', () => {
    const config = applyConfigLayer(DEFAULT_SESSION_CONFIG, { labels: '{"agent":"a7"}' });
    expect(config.labels).toEqual({ agent: 'a7' });
  });

  it.each([
    [{ encoding: 'opus' }],
    [{ sample_rate: 7999 }],
    [{ sample_rate: '48001' }],
    [{ sample_rate: 16000.5 }],
    [{ channels: 3 }],
    [{ interim_results: 'maybe' }],
    [{ end_ms: -1 }],
    [{ labels: { a: 1 } }],
    [{ labels: '{not json' }],
    [{ sampleRate: 16000 }],
    [{ end_of_turn: 'vad' }],
    [{ eot_threshold: 1.5 }],
    [{ eot_threshold: 'high' }],
    [{ eager_eot_threshold: -0.1 }],
    [{ eager_eot_threshold: 'NaN' }],
    [{ min_end_ms: 20_000 }],
    [{ max_end_ms: 12.5 }],
  ])('refuses %j with bad_config', (layer) => {
    expect(codeOf(() => applyConfigLayer(DEFAULT_SESSION_CONFIG, layer))).toBe('bad_config');
  });

  it('refuses an eager end later than the end', () => {
    const config = applyConfigLayer(DEFAULT_SESSION_CONFIG, { eager_end_ms: 900, end_ms: 500 });
    expect(codeOf(() => validateSessionConfig(config))).toBe('bad_config');
  });

  it('takes the end-of-turn model keys from the query as strings and from start as numbers', () => {
    const query = configFromQuery(new URLSearchParams('end_of_turn=model&eot_threshold=0.8&eager_eot_threshold=0.25&min_end_ms=200&max_end_ms=1500'), []);
    const config = validateSessionConfig(applyConfigLayer(DEFAULT_SESSION_CONFIG, query));
    expect(config).toMatchObject({ end_of_turn: 'model', eot_threshold: 0.8, eager_eot_threshold: 0.25, min_end_ms: 200, max_end_ms: 1500 });
    expect(applyConfigLayer(config, { end_of_turn: 'silence', eot_threshold: 0.6 })).toMatchObject({ end_of_turn: 'silence', eot_threshold: 0.6 });
  });

  it('gives end_ms its model-mode meaning: it sets max_end_ms too, unless max_end_ms is given', () => {
    expect(applyConfigLayer(DEFAULT_SESSION_CONFIG, { end_ms: 1200 })).toMatchObject({ end_ms: 1200, max_end_ms: 1200 });
    expect(applyConfigLayer(DEFAULT_SESSION_CONFIG, { end_ms: 1200, max_end_ms: 900 })).toMatchObject({ end_ms: 1200, max_end_ms: 900 });
    const fromQuery = applyConfigLayer(DEFAULT_SESSION_CONFIG, { max_end_ms: 900 });
    expect(applyConfigLayer(fromQuery, { end_ms: 700 })).toMatchObject({ end_ms: 700, max_end_ms: 700 });
  });

  it('refuses thresholds and silences out of order', () => {
    expect(codeOf(() => validateSessionConfig(applyConfigLayer(DEFAULT_SESSION_CONFIG, { min_end_ms: 900, max_end_ms: 500 })))).toBe('bad_config');
    expect(codeOf(() => validateSessionConfig(applyConfigLayer(DEFAULT_SESSION_CONFIG, { eot_threshold: 0.3, eager_eot_threshold: 0.6 })))).toBe('bad_config');
  });
});
