import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../clients/replay.js';
import type { PitchTrackWorker } from '../models/turn/pitch-track-worker.js';
import type { VadEngine } from '../models/vad/vad-engine.js';
import { checkHealth } from './support/grpc-standard-services.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { captureLog } from './support/log-capture.js';
import { fetchMetrics, metricValue } from './support/prometheus-text.js';
import { busySessions, expectEndedByEngineFailure } from './support/busy-sessions.js';
import { terminateBetweenRuns } from './support/terminate-between-runs.js';
import { startTestServer, waitFor } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

describe('a VAD worker that dies', () => {
  it('ends the sessions that lost work with engine_failure, reports not ready, restarts, and serves again', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({ prewarmDecoders: 2 }, { log });
    try {
      const vad = server.engines()!.vad as VadEngine;
      const busy = await busySessions(server.url, pcm);
      await busy.peers[0]!.next('speech.started');
      await terminateBetweenRuns(vad.worker!);

      for (const peer of busy.peers) await expectEndedByEngineFailure(peer);
      await busy.stop();
      expect(server.registry.activeSessions).toBe(0);

      // Down until the worker is back; then ready again, and a new session is served.
      await waitFor(() => vad.healthy, 15_000);
      await waitFor(() => server.host.serving, 1000);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      expect(await checkHealth(`127.0.0.1:${server.grpcPort}`, '')).toBe('SERVING');
      const result = await replay({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: pcm }, { url: server.url, speed: 0, chunkMs: 40 });
      expect(result.turns.map((t) => t.text)).toEqual(['go forward ten meters']);

      const { metrics } = await fetchMetrics(server.port);
      expect(metricValue(metrics, 'parley_engine_restarts_total', { engine: 'vad' })).toBe(1);
      expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['engine_failed', 'engine_restarted', 'session_error']));
    } finally {
      await server.close();
    }
  });

  it('reports /healthz 503 while no VAD worker serves', async () => {
    const server = await startTestServer();
    try {
      const vad = server.engines()!.vad as VadEngine;
      await vad.worker!.terminate();
      expect(vad.healthy).toBe(false);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
      await waitFor(() => vad.healthy, 15_000);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a pitch-tracking worker that dies', () => {
  it('is logged and restarted, health stays, and model-mode turns go on across the restart', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({}, { log });
    try {
      const pitch = server.engines()!.pitch as PitchTrackWorker;
      await pitch.thread!.terminate();
      await waitFor(() => lines.some((l) => l.event === 'engine_failed' && l.engine === 'pitch'));
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      const audio = { encoding: 'pcm_s16le' as const, sampleRate: 16000, channels: 1 as const, data: pcm };
      // Started while no worker serves (its pauses are tracked inline until the new one does).
      const across = await replay(audio, { url: server.url, speed: 0, chunkMs: 40, config: { end_of_turn: 'model' } });
      await waitFor(() => pitch.healthy, 15_000);
      const after = await replay(audio, { url: server.url, speed: 0, chunkMs: 40, config: { end_of_turn: 'model' } });
      for (const result of [across, after]) {
        expect(result.turns.map((t) => t.text)).toEqual(['go forward ten meters']);
        expect(result.turns[0]!.end.end_of_turn_confidence).toBeGreaterThan(0);
      }
      const { metrics } = await fetchMetrics(server.port);
      expect(metricValue(metrics, 'parley_engine_restarts_total', { engine: 'pitch' })).toBe(1);
      expect(lines.map((l) => l.event)).toContain('engine_restarted');

      // Closing the server ends the restarted worker's thread too.
      const thread = pitch.thread!;
      const exited = new Promise((resolve) => thread.once('exit', resolve));
      await server.close();
      await exited;
      expect(pitch.thread).toBeUndefined();
      expect(pitch.healthy).toBe(false);
    } finally {
      await server.close();
    }
  });
});

