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
  ])('refuses %j with bad_config', (layer) => {
    expect(codeOf(() => applyConfigLayer(DEFAULT_SESSION_CONFIG, layer))).toBe('bad_config');
  });

  it('refuses an eager end later than the end', () => {
    const config = applyConfigLayer(DEFAULT_SESSION_CONFIG, { eager_end_ms: 900, end_ms: 500 });
    expect(codeOf(() => validateSessionConfig(config))).toBe('bad_config');
  });
});
