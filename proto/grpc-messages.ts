import type { ServerEvent } from './messages.js';
import type { SessionConfig, SessionConfigInput } from './session-config.js';

/**
 * TypeScript shapes of `parley/v1/voice.proto` as @grpc/proto-loader reads and writes them
 * with PROTO_LOADER_OPTIONS. They are derived from the WebSocket types, so the two wires
 * cannot drift apart: an event's oneof case is its `type` with `_` for `.`, its fields the same.
 */

/** `turn.end` -> `turn_end`. */
export type EventCase<T extends string> = T extends `${infer A}.${infer B}` ? `${A}_${B}` : T;

type ResponseOf<E extends ServerEvent> = E extends ServerEvent ? { [K in EventCase<E['type']>]: Omit<E, 'type'> } : never;

/** A `StreamingRecognizeResponse`: exactly one event field set. */
export type VoiceResponse = ResponseOf<ServerEvent>;
export type VoiceResponseCase = EventCase<ServerEvent['type']>;
/** As decoded: `event` names the field that is set (absent when a newer server sent a case this proto lacks). */
export type DecodedVoiceResponse = Partial<UnionToFields<VoiceResponse>> & { event?: VoiceResponseCase };

/** A `StreamingRecognizeRequest`: exactly one field set. */
export type VoiceRequest =
  | { config: SessionConfigInput }
  | { audio: Uint8Array }
  | { finalize: Record<string, never> }
  | { stop: Record<string, never> }
  | { keepalive: Record<string, never> };
export type VoiceRequestCase = 'config' | 'audio' | 'finalize' | 'stop' | 'keepalive';
/** As decoded: `request` names the field that is set (absent for an empty request). */
export type DecodedVoiceRequest = Partial<UnionToFields<VoiceRequest>> & { request?: VoiceRequestCase };

type UnionToFields<U> = { [K in U extends unknown ? keyof U : never]: U extends { [P in K]: infer V } ? V : never };

/** Trailing metadata key of a call that ended with a fatal error: Parley's stable error code. */
export const ERROR_CODE_METADATA = 'parley-error-code';
/** Trailing metadata of a refusal worth retrying: wait at least this many ms (the WebSocket's `retry_after_ms`). */
export const RETRY_AFTER_METADATA = 'parley-retry-after-ms';

const CONFIG_KEYS: readonly (keyof SessionConfig)[] = [
  'encoding',
  'sample_rate',
  'channels',
  'interim_results',
  'eager_end_ms',
  'end_ms',
  'labels',
  'end_of_turn',
  'eot_threshold',
  'eager_eot_threshold',
  'min_end_ms',
  'max_end_ms',
];

/**
 * The config keys a decoded `SessionConfig` sets. proto-loader adds virtual `_key` fields for
 * proto3 `optional`; a map has no presence, so an empty `labels` counts as unset.
 */
export function configFromWire(config: Record<string, unknown>): SessionConfigInput {
  const input: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = config[key];
    if (value === undefined || value === null) continue;
    if (key === 'labels' && Object.keys(value as object).length === 0) continue;
    input[key] = value;
  }
  return input as SessionConfigInput;
}

/**
 * Fields the WebSocket leaves out when they say nothing, which proto3 decodes as 0: they are
 * dropped again, so a gRPC client reads the same event. 0 means "absent" for each of them.
 */
const ABSENT_WHEN_ZERO: Partial<Record<VoiceResponseCase, readonly string[]>> = {
  transcript_partial: ['omitted_words'],
  error: ['retry_after_ms'],
};

export function eventToResponse(event: ServerEvent): VoiceResponse {
  const { type, ...fields } = event;
  return { [type.replace('.', '_')]: fields } as VoiceResponse;
}

/** The WebSocket form of a decoded response; null for a case this client does not know. */
export function responseToEvent(response: DecodedVoiceResponse): ServerEvent | null {
  const which = response.event;
  if (!which) return null;
  const fields = response[which] as Record<string, unknown>;
  const type = which.replace('_', '.') as ServerEvent['type'];
  if (which === 'session_started') {
    const started = fields as { config: Record<string, unknown> };
    return { ...started, type, config: { labels: {}, ...configFromWire(started.config) } } as ServerEvent;
  }
  const event: Record<string, unknown> = { ...fields, type };
  for (const key of ABSENT_WHEN_ZERO[which] ?? []) if (event[key] === 0) delete event[key];
  return event as unknown as ServerEvent;
}
