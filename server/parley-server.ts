import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ParleyError } from '../proto/errors.js';
import { ApiKeyAuth } from './auth/api-key-auth.js';
import { validateServerOptions, type ServerOptions } from './config/server-options.js';
import { loadEngines } from './engines.js';
import type { HttpHandler } from './http/http-handler.js';
import { refuseUpgrade, sendRefusal } from './http/http-refusal.js';
import { healthHandler, metricsHandler } from './http/health-metrics-handlers.js';
import { OriginPolicy } from './http/origin-policy.js';
import { tokenHandler } from './http/token-handler.js';
import { parseRequestTarget } from './http/request-target.js';
import { widgetHandler } from './http/widget-handler.js';
import { listen } from './http/listen.js';
import { createLogger, type Logger } from './logging/logger.js';
import { loggableOptions } from './logging/loggable-options.js';
import type { HostedEngines } from './session/session-host.js';
import { SessionHost } from './session/session-host.js';
import type { SessionRegistry } from './session/session-registry.js';
import { configFromQuery } from './session/session-config-resolver.js';
import { startGrpcServer } from './transports/grpc-server.js';
import { webrtcSignalling, webrtcSignallingOptions } from './transports/webrtc-signalling.js';
import { serveWebSocket } from './transports/ws-transport.js';

const LISTEN_PATH = '/v1/listen';
const TOKEN_PARAM = 'token';
/** Freeing the models after the drain must not hold up an exit either. */
const ENGINE_CLOSE_DEADLINE_MS = 5000;

export interface ParleyServer {
  readonly port: number;
  /** The gRPC port (design.md section 3's `StreamingRecognize`, health, reflection). */
  readonly grpcPort: number;
  readonly registry: SessionRegistry;
  readonly host: SessionHost;
  /** Resolves once the models are loaded (`/healthz` answers 200 from then on). */
  readonly ready: Promise<void>;
  /** The loaded engines (null before `ready`): for supervision and tests. */
  readonly engines: () => HostedEngines | null;
  /** WebRTC peer connections held (negotiating or in a session): for tests and supervision. */
  readonly webrtcPeers: () => number;
  /**
   * Drains (design.md section 10: open turns end with `turn.end`, sessions with
   * `session.ended` `server_shutdown`, within `drainMs`), then stops listening and frees the
   * models. Idempotent.
   */
  close(): Promise<void>;
}

export interface ParleyServerDeps {
  /** Where the JSON log lines go; default stdout at `options.logLevel`. */
  log?: Logger;
}

/** Starts listening at once; models load in the background and gate `/healthz` and new sessions. */
export async function startParleyServer(options: ServerOptions, deps: ParleyServerDeps = {}): Promise<ParleyServer> {
  validateServerOptions(options);
  const log = deps.log ?? createLogger(options.logLevel);
  log.info({ event: 'options', options: loggableOptions(options) }, 'starting');
  if (options.apiKeys.length === 0) log.warn({ event: 'auth_off' }, 'PARLEY_API_KEYS is not set: authentication is off');
  const host = new SessionHost(options, log);
  let engines: HostedEngines | null = null;
  const webrtc = webrtcSignalling(webrtcSignallingOptions(host));
  host.metrics.observeWebrtcPeers(() => webrtc.peers);
  const handlers: HttpHandler[] = [healthHandler(host), metricsHandler(host), tokenHandler(host), webrtc, widgetHandler()];

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  const http = createServer(
    {
      headersTimeout: options.httpHeadersTimeoutMs,
      requestTimeout: options.httpRequestTimeoutMs,
      maxHeaderSize: options.maxHeaderBytes,
    },
    (req, res) => void route(req, res, handlers).catch((error: unknown) => failRequest(res, log, error)),
  );
  http.maxConnections = options.maxHttpConnections;
  // headersTimeout only runs once a request has begun: a socket that never sends a byte would
  // hold a descriptor forever. ws turns this off on the sockets it takes over.
  http.setTimeout(options.httpHeadersTimeoutMs);
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets before we answer must not raise an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch (error) {
      log.error({ event: 'upgrade_failed', detail: String(error) }, 'upgrade failed');
      socket.destroy();
    }
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = parseRequestTarget(req.url);
    if (!target) return refuseUpgrade(socket, new ParleyError('bad_request', 'the request target is not a valid path'));
    if (target.path !== LISTEN_PATH) return refuseUpgrade(socket, new ParleyError('not_found', `no WebSocket at ${target.path}`));
    if (!host.origins.allows(OriginPolicy.of(req))) {
      return refuseUpgrade(socket, new ParleyError('origin_not_allowed', 'this origin is not in PARLEY_ALLOWED_ORIGINS'));
    }
    try {
      host.checkAccepting();
    } catch (error) {
      return refuseUpgrade(socket, error as ParleyError);
    }
    const client = {
      credential: ApiKeyAuth.bearer(req.headers.authorization) ?? target.params.get(TOKEN_PARAM) ?? undefined,
      address: req.socket.remoteAddress ?? 'unknown',
      queryConfig: configFromQuery(target.params, [TOKEN_PARAM]),
    };
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, client, host));
  }

  await listen(http, options.port, options.host);
  const grpc = await startGrpcServer(host, {
    port: options.grpcPort,
    host: options.host,
    maxMessageBytes: options.maxMessageBytes,
    maxStreamsPerConnection: options.maxPendingConnections,
    idleConnectionMs: options.startTimeoutMs,
  }).catch((error: unknown) => {
    http.close();
    throw error;
  });

  const ready = loadEngines(options, host.scheduler, {
    batchObserver: host.metrics,
    onEngineEvent: (engine, event) => {
      if (event.kind === 'restarted') host.metrics.engineRestarted(engine);
      log.warn({ event: `engine_${event.kind}`, engine, detail: event.detail }, `${engine} engine ${event.kind}`);
      grpc.setServing(host.serving);
    },
  }).then((loaded) => {
    engines = loaded;
    host.attachEngines(loaded);
    grpc.setServing(host.serving);
    const { recognizer, executionProvider } = loaded;
    if (options.onnxProvider === 'cuda' && executionProvider === 'cpu') {
      log.warn({ event: 'onnx_provider_fallback', requested: 'cuda', used: 'cpu' }, 'PARLEY_ONNX_PROVIDER=cuda: the CUDA execution provider could not be loaded, the recognizer runs on the CPU');
    }
    log.info({ event: 'ready', recognizer, execution_provider: executionProvider }, `models loaded, ready: ${recognizer.engine} ${recognizer.model} ${recognizer.sha256}`);
  });

  let closing: Promise<void> | null = null;
  return {
    port: (http.address() as AddressInfo).port,
    grpcPort: grpc.port,
    registry: host.registry,
    host,
    ready,
    engines: () => engines,
    webrtcPeers: () => webrtc.peers,
    close: () => {
      closing ??= (async () => {
        grpc.setServing(false);
        await host.drain();
        // Peers whose channel never opened hold no session for the drain to end.
        await webrtc.close();
        await grpc.close();
        wss.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await ready.catch(() => undefined);
        await withDeadline(host.closeEngines(), ENGINE_CLOSE_DEADLINE_MS, () =>
          log.error({ event: 'engine_close_timeout' }, 'the engines did not close in time'),
        );
        log.info({ event: 'closed' }, 'server closed');
      })();
      return closing;
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: readonly HttpHandler[]): Promise<void> {
  const target = parseRequestTarget(req.url);
  if (!target) return sendRefusal(res, new ParleyError('bad_request', 'the request target is not a valid path'));
  const handler = handlers.find((h) => h.matches(target.path));
  if (!handler) return sendRefusal(res, new ParleyError('not_found', `nothing at ${target.path}`));
  await handler.handle(req, res, target);
}

function failRequest(res: ServerResponse, log: Logger, error: unknown): void {
  log.error({ event: 'request_failed', detail: String(error) }, 'HTTP request failed');
  if (res.headersSent) res.destroy();
  else sendRefusal(res, new ParleyError('internal', 'internal server error'));
}

async function withDeadline(work: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work, deadline]);
  clearTimeout(timer);
}
