import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServerOptions } from './config/server-options.js';
import { loadEngines } from './engines.js';
import { SessionHost } from './session/session-host.js';
import type { SessionRegistry } from './session/session-registry.js';
import { startGrpcServer } from './transports/grpc-server.js';
import { WsConnection } from './transports/ws-transport.js';

const LISTEN_PATH = '/v1/listen';

export interface ParleyServer {
  readonly port: number;
  /** The gRPC port (design.md section 3's `StreamingRecognize`, health, reflection). */
  readonly grpcPort: number;
  readonly registry: SessionRegistry;
  /** Resolves once the models are loaded (`/healthz` answers 200 from then on). */
  readonly ready: Promise<void>;
  /** Ends every session (`session.ended` with reason `server_shutdown`), frees the models. Idempotent. */
  close(): Promise<void>;
}

/** Starts listening at once; models load in the background and gate `/healthz` and `/v1/listen`. */
export async function startParleyServer(options: ServerOptions): Promise<ParleyServer> {
  const host = new SessionHost(options);
  const connections = new Set<WsConnection>();
  const ready = loadEngines({
    prewarmDecoders: options.prewarmDecoders,
    scheduler: host.scheduler,
    vadDeadlineMs: options.vadDeadlineMs,
    vadMaxWaitMs: options.vadMaxWaitMs,
  }).then((engines) => host.attachEngines(engines));

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  wss.on('connection', (ws, request: IncomingMessage) => {
    const connection = new WsConnection(ws, request, host);
    connections.add(connection);
    ws.on('close', () => connections.delete(connection));
  });

  const http = createServer((req, res) => void route(req, res, host));
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== LISTEN_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    if (!host.ready) return rejectUpgrade(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await listen(http, options.port, options.host);
  const grpcOptions = { port: options.grpcPort, host: options.host, maxMessageBytes: options.maxMessageBytes };
  const grpc = await startGrpcServer(host, ready, grpcOptions).catch((error: unknown) => {
    http.close();
    throw error;
  });

  let closing: Promise<void> | null = null;
  return {
    port: (http.address() as AddressInfo).port,
    grpcPort: grpc.port,
    registry: host.registry,
    ready,
    close: () => {
      closing ??= (async () => {
        connections.forEach((c) => c.shutdown());
        await grpc.close();
        wss.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await ready.catch(() => undefined);
        await host.closeEngines();
      })();
      return closing;
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, host: SessionHost): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') {
    res.writeHead(host.ready ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(host.ready ? 'ok\n' : 'loading models\n');
    return;
  }
  if (path === '/metrics') {
    const body = await host.metrics.text();
    res.writeHead(200, { 'content-type': host.metrics.contentType });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
}
