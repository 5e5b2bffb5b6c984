import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import {
  loadVoiceProto,
  PROTO_LOADER_OPTIONS,
  STREAMING_RECOGNIZE,
  VOICE_SERVICE,
  voiceProtoPath,
} from '../../proto/grpc-voice-proto.js';
import type { SessionHost } from '../session/session-host.js';
import { GrpcCall, type VoiceCall } from './grpc-transport.js';

/** How long shutdown waits for calls to send their last events before cutting them off. */
const SHUTDOWN_GRACE_MS = 2000;

export interface GrpcServerOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Largest request accepted (`grpc.max_receive_message_length`). */
  maxMessageBytes: number;
}

export interface ParleyGrpcServer {
  readonly port: number;
  /** Ends every call's session (`server_shutdown`), then stops the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Parley's gRPC endpoint: the Voice service on the shared SessionHost, the standard health
 * service (SERVING once `ready` resolves) and server reflection.
 */
export async function startGrpcServer(host: SessionHost, ready: Promise<void>, options: GrpcServerOptions): Promise<ParleyGrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': options.maxMessageBytes });
  const calls = new Set<GrpcCall>();
  const voice = loadVoiceProto()[VOICE_SERVICE] as ServiceDefinition;
  server.addService(voice, {
    [STREAMING_RECOGNIZE]: (call: VoiceCall) => {
      const grpcCall = new GrpcCall(call, host, (done) => calls.delete(done));
      if (!grpcCall.done) calls.add(grpcCall);
    },
  });

  // '' is the whole server, as health-checking clients ask by default.
  const health = new HealthImplementation({ '': 'NOT_SERVING', [VOICE_SERVICE]: 'NOT_SERVING' });
  const setHealth = (status: 'SERVING' | 'NOT_SERVING') => ['', VOICE_SERVICE].forEach((name) => health.setStatus(name, status));
  let closing: Promise<void> | null = null;
  ready.then(
    () => closing ?? setHealth('SERVING'),
    () => undefined,
  );
  health.addToServer(server);
  new ReflectionService(loadSync([voiceProtoPath(), healthProtoPath], PROTO_LOADER_OPTIONS)).addToServer(server);

  const port = await bind(server, options.host, options.port);
  return {
    port,
    close: () => {
      closing ??= (async () => {
        setHealth('NOT_SERVING');
        [...calls].forEach((call) => call.shutdown());
        await shutdown(server);
      })();
      return closing;
    },
  };
}

function bind(server: Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
}

/** Lets finished calls flush their status; cuts off whatever is still open after the grace period. */
function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
