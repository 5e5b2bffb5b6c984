import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../clients/replay.js';
import type { PocketSphinxEngine } from '../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer, waitFor } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);
const VANISHERS = 300;
const WAVE = 30;
const MAX_DECODERS = 4;

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

function threads(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

/** Connects, starts, sends 0.1 s of speech and drops the socket without a word. */
async function vanish(url: string): Promise<void> {
  const peer = new RawPeer(url);
  await peer.opened.catch(() => undefined);
  peer.send({ type: 'start' });
  peer.send(pcm.subarray(6400, 9600));
  await new Promise((resolve) => setImmediate(resolve));
  peer.ws.terminate();
}

describe('clients that connect, send a little and vanish', () => {
  it('cost nothing once gone: sessions, decoders, queued work, descriptors and threads come back, and the next client is served at once', async () => {
    const server = await startTestServer({ maxDecoders: MAX_DECODERS, prewarmDecoders: 2, maxSessions: 16, maxSessionsPerAddress: 16 });
    try {
      const asr = server.engines()!.asr as PocketSphinxEngine;
      const serveOne = async () => {
        const result = await replay({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: pcm }, { url: server.url, speed: 0, chunkMs: 40 });
        expect(result.closeCode).toBe(1000);
        return result.turns.map((t) => t.text).join(' ');
      };
      expect(await serveOne()).toBe('go forward ten meters');
      const baseline = { fds: openDescriptors(), threads: threads() };

      let mostDecoders = 0;
      for (let sent = 0; sent < VANISHERS; sent += WAVE) {
        await Promise.all(Array.from({ length: WAVE }, () => vanish(server.url)));
        mostDecoders = Math.max(mostDecoders, asr.liveDecoders);
      }
      // Decoder creation is bounded by the pool, never one per arriving client.
      expect(mostDecoders).toBeLessThanOrEqual(MAX_DECODERS);

      await waitFor(() => server.host.openConnections === 0 && server.registry.activeSessions === 0, 10_000);
      await waitFor(() => server.host.scheduler.queued === 0 && asr.waitingStreams === 0, 10_000);
      expect(server.registry.pendingConnections).toBe(0);
      expect(asr.liveDecoders).toBeLessThanOrEqual(MAX_DECODERS);
      await waitFor(() => openDescriptors() <= baseline.fds + 2, 10_000);
      expect(threads()).toBeLessThanOrEqual(baseline.threads + 2);

      // Nothing keeps working for the vanished: the process is close to idle.
      const before = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const used = process.cpuUsage(before);
      expect((used.user + used.system) / 1e6).toBeLessThan(0.5);

      expect(await serveOne()).toBe('go forward ten meters');
    } finally {
      await server.close();
    }
  });
});
