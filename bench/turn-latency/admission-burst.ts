import { fetchMetrics } from '../../test/support/prometheus-text.js';
import type { CallRecording } from './call-runner.js';
import { runPhase, summarize, type PhasePlan, type PhaseRow } from './phase-runner.js';
import { startServerProcess } from './server-process.js';

export interface BurstOptions {
  /** Calls that arrive. */
  sessions: number;
  /** They all start within this many ms, evenly spread. */
  windowMs: number;
  callFor: PhasePlan['callFor'];
  sessionConfig: Record<string, number>;
  /** Environment of the server on top of its defaults (admission on). */
  serverEnv: Record<string, string>;
}

/** How the refused calls were refused. */
export interface RefusalSummary {
  refused: number;
  /** Refusals whose `error` event had code `capacity_exceeded`. */
  capacity_exceeded: number;
  /** Refusals whose `error` event carried `retry_after_ms`. */
  with_retry_after_ms: number;
  retry_after_ms_min: number | null;
  retry_after_ms_max: number | null;
  /** WebSocket close code -> count. */
  close_codes: Record<string, number>;
  /** Error messages (distinct) -> count. */
  messages: Record<string, number>;
}

export interface BurstResult {
  arrivals: number;
  window_ms: number;
  row: PhaseRow;
  refusals: RefusalSummary;
  /** Every `parley_admission_*` sample and `parley_active_sessions`, 3 s after the last arrival (reservations held). */
  server_metrics_during: Record<string, number>;
  /** `parley_sessions_refused_total` by reason and every `parley_admission_*` sample, after the calls. */
  server_metrics_after: Record<string, number>;
}

/** The admission-related samples of a server's /metrics, flattened to `name{label=value}` keys. */
async function admissionMetrics(port: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const { metrics } = await fetchMetrics(port);
    const wanted = (name: string) =>
      name.startsWith('parley_admission_') || name === 'parley_sessions_refused_total' || name === 'parley_active_sessions';
    for (const s of metrics.samples.filter((s) => wanted(s.name))) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
      out[labels ? `${s.name}{${labels}}` : s.name] = s.value;
    }
  } catch (error) {
    console.warn(`could not read the server's /metrics: ${String(error)}`);
  }
  return out;
}

export function summarizeRefusals(recordings: CallRecording[]): RefusalSummary {
  const summary: RefusalSummary = {
    refused: 0,
    capacity_exceeded: 0,
    with_retry_after_ms: 0,
    retry_after_ms_min: null,
    retry_after_ms_max: null,
    close_codes: {},
    messages: {},
  };
  for (const r of recordings.filter((r) => r.refused)) {
    summary.refused++;
    summary.close_codes[r.closeCode] = (summary.close_codes[r.closeCode] ?? 0) + 1;
    const error = r.events.map((e) => e.event).find((e) => e.type === 'error');
    if (error?.type !== 'error') continue;
    if (error.code === 'capacity_exceeded') summary.capacity_exceeded++;
    summary.messages[error.message] = (summary.messages[error.message] ?? 0) + 1;
    const hint = error.retry_after_ms;
    if (typeof hint === 'number' && Number.isFinite(hint)) {
      summary.with_retry_after_ms++;
      summary.retry_after_ms_min = Math.min(summary.retry_after_ms_min ?? hint, hint);
      summary.retry_after_ms_max = Math.max(summary.retry_after_ms_max ?? hint, hint);
    }
  }
  return summary;
}

/** N calls arriving within `windowMs` at a server with admission on (issue item 8). */
export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const server = await startServerProcess(options.serverEnv);
  try {
    const during = new Promise<Record<string, number>>((resolve) =>
      setTimeout(() => resolve(admissionMetrics(server.port)), options.windowMs + 3000),
    );
    const phase = await runPhase(server, {
      sessions: options.sessions,
      callFor: options.callFor,
      speed: 1,
      startOffsetMs: (i) => (i * options.windowMs) / options.sessions,
      sessionConfig: options.sessionConfig,
    });
    return {
      arrivals: options.sessions,
      window_ms: options.windowMs,
      row: summarize(phase),
      refusals: summarizeRefusals(phase.recordings),
      server_metrics_during: await during,
      server_metrics_after: await admissionMetrics(server.port),
    };
  } finally {
    await server.stop();
  }
}
