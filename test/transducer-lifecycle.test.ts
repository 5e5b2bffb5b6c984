import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StreamingAsrEngine } from '../models/asr/streaming-asr-engine.js';
import type { TransducerEngine } from '../models/asr/transducer/transducer-engine.js';
import { projectRoot } from '../proto/project-root.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { fetchMetrics, metricValue } from './support/prometheus-text.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { RawWebrtcPeer } from './support/webrtc-raw-peer.js';

const MODEL_DIR = join(projectRoot(), 'test', 'fixtures', 'transducer', 'zipformer2');
const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const SPEECH = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

function threads(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

describe('what a transducer server leaves behind', () => {
  it('clients that vanish mid-turn leave no stream, queued step or scheduled work; close() ends the model threads and every timer', async () => {
    const timersBefore = activeTimers();
    const server = await startTestServer({ asrEngine: 'transducer', asrModelDir: MODEL_DIR });
    const engine = (server.engines()!.asr as StreamingAsrEngine<TransducerEngine>).model;
    const peers = Array.from({ length: 4 }, () => new RawPeer(server.url));
    for (const peer of peers) {
      await peer.opened;
      peer.send({ type: 'start', end_ms: 5000, eager_end_ms: 4000 });
      for (let at = 0; at < SPEECH.length; at += 3200) peer.send(SPEECH.subarray(at, at + 3200));
    }
    await Promise.all(peers.map((peer) => peer.next('speech.started')));
    expect(engine.openStreams).toBe(4);
    const threadsRunning = threads();
    // Two vanish with their turns open, two stop.
    peers[0]!.ws.terminate();
    peers[1]!.ws.terminate();
    peers[2]!.send({ type: 'stop' });
    peers[3]!.send({ type: 'stop' });
    await Promise.all([peers[2]!.closed, peers[3]!.closed]);
    await waitFor(() => server.registry.activeSessions === 0 && engine.openStreams === 0);
    expect(server.host.scheduler.queued).toBe(0);
    const { metrics } = await fetchMetrics(server.port);
    expect(metricValue(metrics, 'parley_model_batch_size_count', { model: 'transducer' })).toBeGreaterThan(0);

    await server.close();
    expect(engine.healthy).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    // Both model worker threads (VAD and transducer) ended; libuv's pool threads, started on
    // first use, stay for the process's life.
    await waitFor(() => threads() <= threadsRunning - 2, 5000);
  });

  it('a WebRTC client that leaves before its session started leaves neither its start wait nor held audio behind', async () => {
    const timersBefore = activeTimers();
    const server = await startTestServer({ webrtcStartWaitMs: 3000 });
    const peer = new RawWebrtcPeer();
    try {
      await peer.connect(server.port);
      expect(server.webrtcPeers()).toBe(1);
      peer.close();
      await waitFor(() => server.webrtcPeers() === 0 && server.host.openConnections === 0, 15_000);
      expect(server.registry.activeSessions).toBe(0);
    } finally {
      peer.close();
      await server.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The 3 s start wait was cleared with the peer, not left to fire.
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });
});
