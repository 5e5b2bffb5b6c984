import { get } from 'node:http';
import { metricValue, parseMetrics } from '../../test/support/prometheus-text.js';

/** A probe that gets no answer in this long counts as a stalled server. */
const PROBE_TIMEOUT_MS = 5000;

export interface ProbeResult {
  status: number;
  body: string;
  ms: number;
}

/**
 * GETs `path` on a fresh connection that the server closes afterwards: a pooled keep-alive
 * connection (fetch keeps one) would sit among the server's file descriptors being counted.
 * Null when no answer came in time.
 */
export function probe(port: number, path: string): Promise<ProbeResult | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    const request = get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' }, timeout: PROBE_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, ms: performance.now() - started }));
      response.on('error', () => resolve(null));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

export interface ServerGauges {
  /** The server's own event-loop lag (p99) when it exports prom-client's default metrics, else null. */
  loopLagMs: number | null;
  activeSessions: number | null;
  /** Connections that have not started a session yet, when the server exports it. */
  pendingConnections: number | null;
}

const NO_GAUGES: ServerGauges = { loopLagMs: null, activeSessions: null, pendingConnections: null };

/** Gauges from `/metrics`; every field null when the scrape fails or is not Prometheus text. */
export async function scrapeGauges(port: number): Promise<ServerGauges> {
  const answer = await probe(port, '/metrics');
  if (answer?.status !== 200) return NO_GAUGES;
  try {
    const metrics = parseMetrics(answer.body);
    const lag = metricValue(metrics, 'nodejs_eventloop_lag_p99_seconds') ?? metricValue(metrics, 'nodejs_eventloop_lag_seconds');
    return {
      loopLagMs: lag === undefined ? null : lag * 1000,
      activeSessions: metricValue(metrics, 'parley_active_sessions') ?? null,
      pendingConnections: metricValue(metrics, 'parley_pending_connections') ?? null,
    };
  } catch {
    return NO_GAUGES;
  }
}
