import { Client, credentials, Metadata, type CallOptions, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { responseToEvent, type DecodedVoiceResponse, type VoiceRequest } from '../../proto/grpc-messages.js';
import { loadVoiceProto, STREAMING_RECOGNIZE, VOICE_SERVICE } from '../../proto/grpc-voice-proto.js';
import type { ServerEvent } from '../../proto/messages.js';
import { nextEvent } from './next-event.js';

type Method = MethodDefinition<VoiceRequest, DecodedVoiceResponse, VoiceRequest, DecodedVoiceResponse>;

/** A bare `StreamingRecognize` call that sends exactly what it is told: for misbehaving on purpose. */
export class RawGrpcCall {
  readonly events: ServerEvent[] = [];
  /** The call's final status. */
  readonly status: Promise<StatusObject>;
  private readonly client: Client;
  private readonly call: ClientDuplexStream<VoiceRequest, DecodedVoiceResponse>;

  constructor(address: string, headers: Record<string, string> = {}, options: CallOptions = {}) {
    const method = (loadVoiceProto()[VOICE_SERVICE] as ServiceDefinition)[STREAMING_RECOGNIZE] as Method;
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    this.client = new Client(address, credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, metadata, options);
    this.call.on('error', () => undefined);
    this.call.on('data', (response: DecodedVoiceResponse) => {
      const event = responseToEvent(response);
      if (event) this.events.push(event);
    });
    this.status = new Promise((resolve) =>
      this.call.on('status', (status: StatusObject) => {
        this.client.close();
        resolve(status);
      }),
    );
  }

  send(request: VoiceRequest): void {
    this.call.write(request);
  }

  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  /** Resolves with the first event of `type` (waiting for it if needed). */
  next<T extends ServerEvent['type']>(type: T, timeoutMs = 10_000): Promise<Extract<ServerEvent, { type: T }>> {
    return nextEvent(this.events, type, timeoutMs);
  }
}
