import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import type { ServerEvent } from '../proto/messages.js';
import { concatAudio, goForward, silence } from './support/audio-fixtures.js';
import { loadLibriVox } from './support/librivox.js';
import { fetchMetrics, metricValue, samplesOf, type ParsedMetrics } from './support/prometheus-text.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer } from './support/test-server.js';

const CLASSES = ['vad', 'turn', 'partial', 'final'] as const;
const CHUNK_BYTES = 40 * 16 * 2; // 40 ms of 16 kHz pcm_s16le

describe('GET /metrics after a call with turns', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let during: ParsedMetrics;
  let before: ParsedMetrics;
  let after: { status: number; contentType: string; text: string; metrics: ParsedMetrics };
  let events: ServerEvent[];
  let closeCode: number;
  const count = (type: ServerEvent['type']) => events.filter((e) => e.type === type).length;

  beforeAll(async () => {
    server = await startTestServer();
    before = (await fetchMetrics(server.port)).metrics;
    // Two turns with gaps longer than end_ms (800): each gets turn.eager_end and turn.end.
    const libri = loadLibriVox().find((u) => u.id.endsWith('0880'))!;
    const call = encodeSamples(concatAudio(silence(300), goForward(), silence(1500), libri.samples, silence(1500)), 'pcm_s16le');

    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start' });
    await peer.next('session.started');
    during = (await fetchMetrics(server.port)).metrics;
    // As fast as the server reads.
    for (let offset = 0; offset < call.length; offset += CHUNK_BYTES) peer.send(call.subarray(offset, offset + CHUNK_BYTES));
    peer.send({ type: 'stop' });
    closeCode = await peer.closed;
    events = peer.events;
    after = await fetchMetrics(server.port);
  }, 30_000);

  afterAll(() => server?.close());

  it('had a call with two turns, each eagerly ended and ended', () => {
    expect(closeCode).toBe(1000);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(count('turn.end')).toBe(2);
    expect(count('turn.eager_end')).toBeGreaterThanOrEqual(2);
  });

  it('answers 200 with the Prometheus text format', () => {
    expect(after.status).toBe(200);
    expect(after.contentType).toMatch(/^text\/plain/);
    expect(after.contentType).toContain('version=0.0.4');
    expect(after.metrics.samples.length).toBeGreaterThan(0);
  });

  it('counts active sessions: 0 before, 1 during the call, 0 after it ended', () => {
    expect(metricValue(before, 'parley_active_sessions')).toBe(0);
    expect(metricValue(during, 'parley_active_sessions')).toBe(1);
    expect(metricValue(after.metrics, 'parley_active_sessions')).toBe(0);
    expect(after.metrics.types.get('parley_active_sessions')).toBe('gauge');
    expect(metricValue(after.metrics, 'parley_scheduler_queued_work')).toBe(0);
  });

  it('observes one turn latency per turn.eager_end and per turn.end sent', () => {
    const m = after.metrics;
    expect(after.metrics.types.get('parley_turn_latency_seconds')).toBe('histogram');
    expect(metricValue(m, 'parley_turn_latency_seconds_count', { event: 'eager_end' })).toBe(count('turn.eager_end'));
    expect(metricValue(m, 'parley_turn_latency_seconds_count', { event: 'end' })).toBe(count('turn.end'));
    // The +Inf bucket holds every observation.
    expect(metricValue(m, 'parley_turn_latency_seconds_bucket', { event: 'end', le: '+Inf' })).toBe(count('turn.end'));
    const budgetMisses = metricValue(m, 'parley_turn_budget_misses_total');
    expect(after.metrics.types.get('parley_turn_budget_misses_total')).toBe('counter');
    expect(budgetMisses).toBeGreaterThanOrEqual(0);
    expect(budgetMisses).toBeLessThanOrEqual(count('turn.eager_end'));
  });

  it('exports queue wait and service time of vad, turn, partial and final work', () => {
    const m = after.metrics;
    for (const workClass of CLASSES) {
      const waited = metricValue(m, 'parley_scheduler_queue_wait_seconds_count', { class: workClass });
      const served = metricValue(m, 'parley_scheduler_service_seconds_count', { class: workClass });
      expect(waited, `queue wait count of ${workClass}`).toBeGreaterThan(0);
      expect(served, `service count of ${workClass}`).toBeGreaterThan(0);
      // The call is over and nothing runs: every item that started has finished.
      expect(served).toBe(waited);
      expect(metricValue(m, 'parley_scheduler_service_seconds_sum', { class: workClass })).toBeGreaterThan(0);
    }
    // At least one end-of-utterance pass per turn ran as final work.
    expect(metricValue(m, 'parley_scheduler_service_seconds_count', { class: 'final' })).toBeGreaterThanOrEqual(count('turn.end'));
  });

  it('exports deadline misses per class, never more than the items finished', () => {
    const m = after.metrics;
    expect(m.types.get('parley_scheduler_deadline_misses_total')).toBe('counter');
    expect(m.help.get('parley_scheduler_deadline_misses_total')).toBeTruthy();
    // prom-client prints a labelled counter's samples only once a label set was incremented.
    const misses = samplesOf(m, 'parley_scheduler_deadline_misses_total');
    for (const sample of misses) {
      expect(CLASSES).toContain(sample.labels.class);
      expect(sample.value).toBeGreaterThanOrEqual(0);
      const served = metricValue(m, 'parley_scheduler_service_seconds_count', { class: sample.labels.class! })!;
      expect(sample.value).toBeLessThanOrEqual(served);
    }
  });
});
