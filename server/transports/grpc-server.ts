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
import { serveGrpcCall, type VoiceCall } from './grpc-transport.js';

/** How long shutdown waits for calls to send their last events before cutting them off. */
const SHUTDOWN_GRACE_MS = 2000;

export interface GrpcServerOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Largest request accepted (`grpc.max_receive_message_length`). */
  maxMessageBytes: number;
  /** Calls one HTTP/2 connection may carry at once (`grpc.max_concurrent_streams`). */
  maxStreamsPerConnection: number;
  /** An HTTP/2 connection without calls for this long is closed (`grpc.max_connection_idle_ms`). */
  idleConnectionMs: number;
}

export interface ParleyGrpcServer {
  readonly port: number;
  /** What the health service answers: SERVING while the host serves (models loaded, engines up, not draining). */
  setServing(serving: boolean): void;
  /** Stops the server; call after the host has drained its calls. Idempotent. */
  close(): Promise<void>;
}

/**
 * Parley's gRPC endpoint: the Voice service on the shared SessionHost, the standard health
 * service (NOT_SERVING until the owner says otherwise) and server reflection.
 */
export async function startGrpcServer(host: SessionHost, options: GrpcServerOptions): Promise<ParleyGrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_concurrent_streams': options.maxStreamsPerConnection,
    'grpc.max_connection_idle_ms': options.idleConnectionMs,
  });
  const voice = loadVoiceProto()[VOICE_SERVICE] as ServiceDefinition;
  server.addService(voice, {
    [STREAMING_RECOGNIZE]: (call: VoiceCall) => serveGrpcCall(call, host),
  });

  // '' is the whole server, as health-checking clients ask by default.
  const health = new HealthImplementation({ '': 'NOT_SERVING', [VOICE_SERVICE]: 'NOT_SERVING' });
  const setHealth = (status: 'SERVING' | 'NOT_SERVING') => ['', VOICE_SERVICE].forEach((name) => health.setStatus(name, status));
  let closing: Promise<void> | null = null;
  health.addToServer(server);
  new ReflectionService(loadSync([voiceProtoPath(), healthProtoPath], PROTO_LOADER_OPTIONS)).addToServer(server);

  const port = await bind(server, options.host, options.port);
  return {
    port,
    setServing: (serving) => setHealth(serving && !closing ? 'SERVING' : 'NOT_SERVING'),
    close: () => {
      closing ??= (async () => {
        setHealth('NOT_SERVING');
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
