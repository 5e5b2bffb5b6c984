import { EventEmitter } from 'node:events';
import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  status,
  type ChannelCredentials,
  type ClientDuplexStream,
  type Deadline,
  type StatusObject,
} from '@grpc/grpc-js';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import type { ErrorCode } from '../proto/errors.js';
import { ERROR_CODE_METADATA, RETRY_AFTER_METADATA, responseToEvent, type DecodedVoiceResponse, type VoiceRequest } from '../proto/grpc-messages.js';
import { loadVoiceProto, STREAMING_RECOGNIZE, VOICE_SERVICE } from '../proto/grpc-voice-proto.js';
import type { ServerEvent, SessionEndedEvent, SessionStartedEvent } from '../proto/messages.js';
import type { SessionConfigInput } from '../proto/session-config.js';

export interface ParleyGrpcClientOptions {
  /** host:port of Parley's gRPC service, e.g. localhost:50051. */
  address: string;
  /** API key, sent as `authorization: Bearer` metadata. */
  apiKey?: string;
  /** Sent as the first request. */
  config?: SessionConfigInput;
  /** Default: plaintext, for loopback and private networks. */
  credentials?: ChannelCredentials;
  /** Deadline of the whole call; the server frees the session when it passes. */
  deadline?: Deadline;
}

/** How the call ended. */
export interface GrpcCallEnd {
  code: status;
  details: string;
  /** Parley's stable error code when the call ended with a fatal error. */
  errorCode?: ErrorCode;
  /** On a refusal worth retrying: wait at least this long before calling again. */
  retryAfterMs?: number;
}

type EventMap = { [E in ServerEvent as E['type']]: [E] };

export interface ParleyGrpcClientEvents extends EventMap {
  event: [ServerEvent];
  close: [end: GrpcCallEnd];
}

type StreamingRecognize = MethodDefinition<VoiceRequest, DecodedVoiceResponse, VoiceRequest, DecodedVoiceResponse>;

/** A typed client of Parley's gRPC `StreamingRecognize` (proto/parley/v1/voice.proto), one call per instance. */
export class ParleyGrpcClient extends EventEmitter<ParleyGrpcClientEvents> {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<VoiceRequest, DecodedVoiceResponse>;
  readonly started: Promise<SessionStartedEvent>;
  /** Resolves with the call's status once it has ended. */
  readonly closed: Promise<GrpcCallEnd>;

  constructor(options: ParleyGrpcClientOptions) {
    super();
    const method = (loadVoiceProto()[VOICE_SERVICE] as ServiceDefinition)[STREAMING_RECOGNIZE] as StreamingRecognize;
    this.client = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure());
    const metadata = new Metadata();
    if (options.apiKey) metadata.set('authorization', `Bearer ${options.apiKey}`);
    this.call = this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, metadata, {
      deadline: options.deadline,
    });
    this.closed = new Promise((resolve) => {
      this.call.on('status', (end: StatusObject) => {
        const retry = end.metadata?.get(RETRY_AFTER_METADATA)[0];
        const result: GrpcCallEnd = { code: end.code, details: end.details, errorCode: errorCodeOf(end.metadata) };
        if (retry !== undefined) result.retryAfterMs = Number(retry.toString());
        this.client.close();
        this.emit('close', result);
        resolve(result);
      });
    });
    // A non-OK status also arrives as 'error'; 'status' reports it.
    this.call.on('error', () => undefined);
    this.call.on('data', (response: DecodedVoiceResponse) => {
      const event = responseToEvent(response);
      if (!event) return;
      this.emit('event', event);
      // EventEmitter throws on an 'error' nobody listens to; the event is on 'event' anyway.
      if (event.type !== 'error' || this.listenerCount('error') > 0) {
        (this.emit as (type: string, event: ServerEvent) => boolean)(event.type, event);
      }
    });
    this.started = new Promise((resolve, reject) => {
      this.once('session.started', resolve);
      this.closed.then(({ code, details }) => reject(new Error(`ended before session.started: ${status[code]} ${details}`)));
    });
    // Callers that never await `started` must not see an unhandled rejection.
    this.started.catch(() => undefined);
    void this.sendRequest({ config: options.config ?? {} }).catch(() => undefined);
  }

  /** Raw audio in the negotiated encoding. Resolves once HTTP/2 flow control has taken the bytes. */
  sendAudio(bytes: Uint8Array): Promise<void> {
    return this.sendRequest({ audio: bytes });
  }

  sendRequest(request: VoiceRequest): Promise<void> {
    return new Promise((resolve, reject) => this.call.write(request, (error?: Error | null) => (error ? reject(error) : resolve())));
  }

  finalize(): void {
    void this.sendRequest({ finalize: {} }).catch(() => undefined);
  }

  keepalive(): void {
    void this.sendRequest({ keepalive: {} }).catch(() => undefined);
  }

  /** Sends `stop`, half-closes, and resolves with `session.ended` once the server has finished. */
  stop(): Promise<SessionEndedEvent> {
    const ended = new Promise<SessionEndedEvent>((resolve, reject) => {
      this.once('session.ended', resolve);
      this.closed.then(({ code, details }) => reject(new Error(`ended (${status[code]} ${details}) without session.ended`)));
    });
    void this.sendRequest({ stop: {} }).catch(() => undefined);
    this.call.end();
    return ended;
  }

  /** Cancels the call (the server frees the session at once). Idempotent. */
  close(): void {
    this.call.cancel();
  }
}

function errorCodeOf(metadata: Metadata | undefined): ErrorCode | undefined {
  const value = metadata?.get(ERROR_CODE_METADATA)[0];
  return value === undefined ? undefined : (value.toString() as ErrorCode);
}
