import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import {
  configFromWire,
  eventToResponse,
  responseToEvent,
  type DecodedVoiceRequest,
  type DecodedVoiceResponse,
  type VoiceRequest,
  type VoiceResponse,
} from './grpc-messages.js';
import { loadVoiceProto, STREAMING_RECOGNIZE, VOICE_SERVICE } from './grpc-voice-proto.js';
import type { ServerEvent } from './messages.js';

const method = (loadVoiceProto()[VOICE_SERVICE] as ServiceDefinition)[STREAMING_RECOGNIZE] as MethodDefinition<
  VoiceRequest,
  VoiceResponse,
  DecodedVoiceRequest,
  DecodedVoiceResponse
>;

const words = [
  { word: 'go', start_ms: 310, end_ms: 520 },
  { word: 'forward', start_ms: 520, end_ms: 990 },
];

/** One event of every type, every field set: a field the .proto lacks would not survive the wire. */
const EVENTS: { [T in ServerEvent['type']]: Extract<ServerEvent, { type: T }> } = {
  'session.started': {
    type: 'session.started',
    session_id: 'b3c0',
    config: {
      encoding: 'mulaw',
      sample_rate: 8000,
      channels: 2,
      interim_results: false,
      eager_end_ms: 0,
      end_ms: 700,
      labels: { call_id: 'c-1' },
    },
    limits: {
      max_message_bytes: 262144,
      max_buffered_audio_ms: 5000,
      idle_timeout_ms: 30000,
      max_turn_ms: 60000,
      max_session_ms: 3600000,
      max_partial_words: 50,
    },
    recognizer: { engine: 'transducer', model: 'zipformer2', files: ['encoder.int8.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt'], sha256: '0123456789abcdef' },
  },
  'speech.started': { type: 'speech.started', channel: 1, turn_id: 2, at_ms: 4096 },
  'transcript.partial': {
    type: 'transcript.partial',
    channel: 1,
    turn_id: 2,
    revision: 3,
    text: 'go forward',
    stable_words: 1,
    words,
    omitted_words: 12,
  },
  'turn.eager_end': { type: 'turn.eager_end', channel: 1, turn_id: 2, text: 'go forward', speech_end_ms: 990, latency_ms: 87 },
  'turn.resumed': { type: 'turn.resumed', channel: 1, turn_id: 2 },
  'turn.end': {
    type: 'turn.end',
    channel: 1,
    turn_id: 2,
    text: 'go forward',
    words,
    speech_end_ms: 990,
    latency_ms: 512,
    reason: 'max_duration',
  },
  'transcript.corrected': {
    type: 'transcript.corrected',
    channel: 1,
    turn_id: 2,
    revision: 4,
    text: 'go forward',
    previous_text: 'go for',
  },
  error: { type: 'error', code: 'capacity_exceeded', message: 'busy', fatal: true, retry_after_ms: 1000 },
  'session.ended': {
    type: 'session.ended',
    reason: 'stop',
    stats: { channels: [{ channel: 0, audio_ms: 12000, turns: 3, eager_ends: 4, resumed: 1 }] },
  },
};

describe('the gRPC wire mapping of WebSocket events', () => {
  it.each(Object.values(EVENTS))('$type survives the proto round trip unchanged', (event) => {
    const decoded = method.responseDeserialize(method.responseSerialize(eventToResponse(event)));
    expect(responseToEvent(decoded)).toEqual(event);
  });

  it('keeps zeros and false that proto3 leaves off the wire', () => {
    const zero: ServerEvent = { type: 'transcript.partial', channel: 0, turn_id: 1, revision: 1, text: '', stable_words: 0, words: [] };
    expect(responseToEvent(method.responseDeserialize(method.responseSerialize(eventToResponse(zero))))).toEqual(zero);
  });

  it.each<ServerEvent>([
    { type: 'transcript.partial', channel: 0, turn_id: 1, revision: 1, text: 'go', stable_words: 0, words: words.slice(0, 1) },
    { type: 'error', code: 'bad_audio', message: 'odd bytes', fatal: false },
  ])('leaves out of $type the fields the WebSocket leaves out when they say nothing', (event) => {
    const decoded = responseToEvent(method.responseDeserialize(method.responseSerialize(eventToResponse(event))));
    expect(decoded).toStrictEqual(event);
  });

  it('reads a config request as the keys the client set, explicit zeros and false included', () => {
    const request = method.requestDeserialize(
      method.requestSerialize({ config: { encoding: 'alaw', eager_end_ms: 0, interim_results: false, labels: { agent_id: 'a-7' } } }),
    );
    expect(request.request).toBe('config');
    expect(configFromWire(request.config as Record<string, unknown>)).toEqual({
      encoding: 'alaw',
      eager_end_ms: 0,
      interim_results: false,
      labels: { agent_id: 'a-7' },
    });
    const empty = method.requestDeserialize(method.requestSerialize({ config: {} }));
    expect(configFromWire(empty.config as Record<string, unknown>)).toEqual({});
  });

  it('names the request case, or none for an empty request', () => {
    expect(method.requestDeserialize(method.requestSerialize({ stop: {} })).request).toBe('stop');
    expect(method.requestDeserialize(method.requestSerialize({ audio: new Uint8Array([1, 2]) }))).toMatchObject({
      request: 'audio',
      audio: Buffer.from([1, 2]),
    });
    expect(method.requestDeserialize(Buffer.alloc(0)).request).toBeUndefined();
  });
});
