import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { replay, type ReplayResult } from '../clients/replay.js';
import type { ServerEvent } from '../proto/messages.js';
import { concatAudio, goForward, silence } from './support/audio-fixtures.js';
import { fetchMetrics, metricValue } from './support/prometheus-text.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer } from './support/test-server.js';

const GO_FORWARD = 'go forward ten meters';
const WINDOW_MS = 500;
/** Silero VAD chunk: 512 samples at 16 kHz. */
const VAD_CHUNK_MS = 32;

const call = concatAudio(silence(300), goForward(), silence(1500));
const callBytes = encodeSamples(call, 'pcm_s16le');

function replayCall(url: string, chunkMs: number, onEvent?: (event: ServerEvent) => void): Promise<ReplayResult> {
  return replay({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: callBytes }, { url, speed: 0, chunkMs, onEvent });
}

describe('admission control past saturation', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    server = await startTestServer({ admissionMaxUtilization: 0.01, admissionWindowMs: WINDOW_MS });
    // Loading decoders at start is model work too: let it leave the window.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));
  });
  afterAll(() => server?.close());

  it('refuses a new session with capacity_exceeded (1013) while the admitted one still completes, and admits again once idle', async () => {
    let decoding!: () => void;
    const inFlight = new Promise<void>((resolve) => (decoding = resolve));
    const a = replayCall(server.url, 40, (event) => {
      if (event.type === 'transcript.partial' || event.type === 'speech.started') decoding();
    });
    await inFlight;

    const b = new RawPeer(server.url);
    await b.opened;
    b.send({ type: 'start' });
    expect(await b.closed).toBe(1013);
    expect(b.errors()).toEqual([expect.objectContaining({ code: 'capacity_exceeded', fatal: true, retry_after_ms: expect.any(Number) })]);
    expect(b.events.some((e) => e.type === 'session.started')).toBe(false);

    const resultA = await a;
    expect(resultA.closeCode).toBe(1000);
    expect(resultA.ok).toBe(true);
    expect(resultA.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(resultA.turns.map((t) => t.text)).toEqual([GO_FORWARD]);

    // Refused for load (the session count is far from its limit).
    expect(b.errors()[0]!.message).toMatch(/at capacity/);
    const { metrics } = await fetchMetrics(server.port);
    expect(metricValue(metrics, 'parley_sessions_refused_total', { code: 'capacity_exceeded' })).toBe(1);
    expect(metricValue(metrics, 'parley_active_sessions')).toBe(0);

    // No model work for longer than the window: the next session is admitted.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));
    const c = new RawPeer(server.url);
    await c.opened;
    c.send({ type: 'start' });
    await c.next('session.started');
    c.send({ type: 'stop' });
    expect(await c.closed).toBe(1000);
    expect(c.errors()).toEqual([]);
    expect(c.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'stop' });
  });
});

describe('VAD batching across sessions', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    server = await startTestServer({ prewarmDecoders: 4 });
  });
  afterAll(() => server?.close());

  it('scores chunks of concurrent sessions in shared VAD runs', async () => {
    const before = (await fetchMetrics(server.port)).metrics;
    const vadRunsBefore = metricValue(before, 'parley_scheduler_service_seconds_count', { class: 'vad' }) ?? 0;

    // 32 ms messages: each one completes exactly one VAD chunk, and a channel scores its
    // audio one push at a time, so a run of several chunks holds several sessions' audio.
    const results = await Promise.all(Array.from({ length: 4 }, () => replayCall(server.url, VAD_CHUNK_MS)));

    for (const result of results) {
      expect(result.closeCode).toBe(1000);
      expect(result.turns.map((t) => t.text)).toEqual([GO_FORWARD]);
    }
    const chunks = results.reduce((n, result) => {
      const ended = result.events.find((e) => e.type === 'session.ended');
      if (ended?.type !== 'session.ended') throw new Error('no session.ended');
      return n + Math.floor(ended.stats.channels[0]!.audio_ms / VAD_CHUNK_MS);
    }, 0);
    expect(chunks).toBe(4 * Math.floor(call.length / 16 / VAD_CHUNK_MS));

    const after = (await fetchMetrics(server.port)).metrics;
    const vadRuns = metricValue(after, 'parley_scheduler_service_seconds_count', { class: 'vad' })! - vadRunsBefore;
    expect(vadRuns).toBeGreaterThan(0);
    // One run per chunk would mean no batching; four sessions share runs, so the average
    // run carries at least two chunks.
    expect(vadRuns).toBeLessThan(chunks);
    expect(vadRuns).toBeLessThanOrEqual(chunks / 2);
  });
});

describe('admission by reserved capacity', () => {
  it('admits a burst only up to the capacity its estimate reserves, and refuses the rest with a retry hint', async () => {
    // 2 cores x 75 % at a quarter of a core per channel: room for 6 channels.
    const server = await startTestServer({
      schedulerConcurrency: 2,
      admissionMaxUtilization: 0.75,
      admissionChannelCost: 0.25,
      maxSessions: 40,
      maxSessionsPerAddress: 40,
    });
    try {
      const peers = Array.from({ length: 12 }, () => new RawPeer(server.url));
      await Promise.all(peers.map((p) => p.opened));
      peers.forEach((p) => p.send({ type: 'start' }));
      const outcomes = await Promise.all(
        peers.map((p) => Promise.race([p.next('session.started').then(() => 'admitted'), p.closed.then(() => 'refused')])),
      );
      expect(outcomes.filter((o) => o === 'admitted')).toHaveLength(6);
      for (const peer of peers.filter((_, i) => outcomes[i] === 'refused')) {
        expect(peer.errors()[0]).toMatchObject({ code: 'capacity_exceeded', retry_after_ms: expect.any(Number) });
      }
      const { metrics } = await fetchMetrics(server.port);
      expect(metricValue(metrics, 'parley_admission_reserved_channels')).toBe(6);
      for (const peer of peers.filter((_, i) => outcomes[i] === 'admitted')) {
        peer.send({ type: 'stop' });
        expect(await peer.closed).toBe(1000);
      }
      expect(server.host.admission.reservedChannels).toBe(0);
    } finally {
      await server.close();
    }
  });
});
