import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionHost } from '../session/session-host.js';
import type { HttpHandler } from './http-handler.js';

/** `/healthz`: liveness and readiness (models loaded, engines up, not draining). */
export function healthHandler(host: SessionHost): HttpHandler {
  return {
    matches: (path) => path === '/healthz',
    handle: (req, res) => {
      if (!allowGet(req, res)) return;
      const state = host.serving ? 'ok' : !host.ready ? 'loading models' : 'not serving (draining or an engine is restarting)';
      res.writeHead(host.serving ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`${state}\n`);
    },
  };
}

/** `/metrics`: Prometheus text. */
export function metricsHandler(host: SessionHost): HttpHandler {
  return {
    matches: (path) => path === '/metrics',
    handle: async (req, res) => {
      if (!allowGet(req, res)) return;
      const body = await host.metrics.text();
      res.writeHead(200, { 'content-type': host.metrics.contentType });
      res.end(body);
    },
  };
}

/** Answers 405 unless the method is GET or HEAD. */
export function allowGet(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
  res.end('method not allowed\n');
  return false;
}
