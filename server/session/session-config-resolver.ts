import { ParleyError } from '../../proto/errors.js';
import { AUDIO_ENCODINGS, type AudioEncoding, END_OF_TURN_MODES, type EndOfTurnMode, type SessionConfig } from '../../proto/session-config.js';

const MIN_SAMPLE_RATE = 8000;
const MAX_SAMPLE_RATE = 48000;
/** Turn silences beyond this are a client mistake, not a preference. */
const MAX_SILENCE_MS = 10_000;
const MAX_LABELS = 32;
const MAX_LABEL_CHARS = 256;

const CONFIG_KEYS = new Set([
  'encoding',
  'sample_rate',
  'channels',
  'interim_results',
  'end_of_turn',
  'eager_end_ms',
  'end_ms',
  'eot_threshold',
  'eager_eot_threshold',
  'min_end_ms',
  'max_end_ms',
  'labels',
]);

function bad(message: string): ParleyError {
  return new ParleyError('bad_config', message, true);
}

function toInt(key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw bad(`${key} must be an integer from ${min} to ${max}`);
  }
  return n;
}

function toProbability(key: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) throw bad(`${key} must be a number from 0 to 1`);
  return n;
}

function toBool(key: string, value: unknown): boolean {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw bad(`${key} must be true or false`);
}

function toLabels(value: unknown): Record<string, string> {
  const parsed = typeof value === 'string' ? parseJsonLabels(value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw bad('labels must be an object of string values');
  }
  const entries = Object.entries(parsed);
  if (entries.length > MAX_LABELS) throw bad(`labels may have at most ${MAX_LABELS} keys`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || v.length > MAX_LABEL_CHARS || k.length > MAX_LABEL_CHARS) {
      throw bad(`labels.${k} must be a string of at most ${MAX_LABEL_CHARS} characters`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseJsonLabels(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw bad('labels in the query must be a JSON object');
  }
}

/**
 * Applies one layer of client settings (query parameters as strings, or a `start`
 * message's JSON values) over `base`. Unknown keys are an error, so typos surface.
 */
export function applyConfigLayer(base: SessionConfig, layer: Record<string, unknown>): SessionConfig {
  const config: SessionConfig = { ...base, labels: { ...base.labels } };
  for (const [key, value] of Object.entries(layer)) {
    if (!CONFIG_KEYS.has(key)) throw bad(`unknown config key "${key}"`);
    switch (key) {
      case 'encoding':
        if (!AUDIO_ENCODINGS.includes(value as AudioEncoding)) {
          throw bad(`encoding must be one of ${AUDIO_ENCODINGS.join(', ')}`);
        }
        config.encoding = value as AudioEncoding;
        break;
      case 'sample_rate':
        config.sample_rate = toInt(key, value, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
        break;
      case 'channels':
        config.channels = toInt(key, value, 1, 2) as 1 | 2;
        break;
      case 'interim_results':
        config.interim_results = toBool(key, value);
        break;
      case 'eager_end_ms':
        config.eager_end_ms = toInt(key, value, 0, MAX_SILENCE_MS);
        break;
      case 'end_ms':
        config.end_ms = toInt(key, value, 0, MAX_SILENCE_MS);
        // Its model-mode meaning: the longest silence, unless this layer says otherwise.
        if (!('max_end_ms' in layer)) config.max_end_ms = config.end_ms;
        break;
      case 'end_of_turn':
        if (!END_OF_TURN_MODES.includes(value as EndOfTurnMode)) throw bad(`end_of_turn must be one of ${END_OF_TURN_MODES.join(', ')}`);
        config.end_of_turn = value as EndOfTurnMode;
        break;
      case 'eot_threshold':
      case 'eager_eot_threshold':
        config[key] = toProbability(key, value);
        break;
      case 'min_end_ms':
      case 'max_end_ms':
        config[key] = toInt(key, value, 0, MAX_SILENCE_MS);
        break;
      case 'labels':
        config.labels = toLabels(value);
        break;
    }
  }
  return config;
}

/** Checks relations between keys once every layer is applied. */
export function validateSessionConfig(config: SessionConfig): SessionConfig {
  if (config.eager_end_ms > config.end_ms) throw bad('eager_end_ms must not exceed end_ms');
  if (config.min_end_ms > config.max_end_ms) throw bad('min_end_ms must not exceed max_end_ms');
  if (config.eager_eot_threshold > config.eot_threshold) throw bad('eager_eot_threshold must not exceed eot_threshold');
  return config;
}

/** Query parameters that are not session config (auth) are left to the transport. */
export function configFromQuery(params: URLSearchParams, ignore: readonly string[]): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if (!ignore.includes(key)) layer[key] = value;
  }
  return layer;
}
