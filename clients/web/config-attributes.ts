import type { SessionConfigInput } from '../../proto/session-config.js';

/** A config attribute whose value is not even of the right type. */
export class ConfigAttributeError extends Error {}

/**
 * The session config a page sets as attributes, kebab-case as HTML attributes are:
 * `eager-end-ms`, `end-ms`, `interim-results`, `labels` (JSON). Audio format keys are not
 * among them: the widget decides what it sends. Ranges are the server's to check (it
 * refuses with `bad_config`), so the two never disagree.
 */
export function configFromAttributes(element: Element): SessionConfigInput {
  const config: SessionConfigInput = {};
  const eager = element.getAttribute('eager-end-ms');
  if (eager !== null) config.eager_end_ms = integer('eager-end-ms', eager);
  const end = element.getAttribute('end-ms');
  if (end !== null) config.end_ms = integer('end-ms', end);
  const interim = element.getAttribute('interim-results');
  if (interim !== null) config.interim_results = interim !== 'false';
  const labels = element.getAttribute('labels');
  if (labels !== null) config.labels = labelsOf(labels);
  return config;
}

function integer(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new ConfigAttributeError(`${name} must be a whole number of milliseconds, got "${value}"`);
  return n;
}

function labelsOf(value: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigAttributeError('labels must be a JSON object, e.g. {"call_id":"42"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigAttributeError('labels must be a JSON object, e.g. {"call_id":"42"}');
  }
  return parsed as Record<string, string>;
}

/** The config as query parameters, as `/v1/listen` and `/v1/webrtc` read them (`labels` as JSON). */
export function configQuery(config: SessionConfigInput): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) query.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return query;
}
