import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../clients/replay.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { captureLog } from './support/log-capture.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer, waitFor } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

async function goodCall(server: TestServer): Promise<string> {
  const result = await replay({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: pcm }, { url: server.url, speed: 0, chunkMs: 40 });
  expect(result.closeCode).toBe(1000);
  return result.turns.map((t) => t.text).join(' ');
}

async function startedPeer(url: string, headers?: Record<string, string>): Promise<RawPeer> {
  const peer = new RawPeer(url, headers);
  await peer.opened;
  peer.send({ type: 'start' });
  await peer.next('session.started');
  return peer;
}

describe('a connection before its session', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ startTimeoutMs: 60_000, maxPendingConnections: 100 });
  });
  afterAll(() => server?.close());

  it('refuses a bad query config at once, before the client sends anything', async () => {
    for (const query of ['encoding=foo', 'sample_rate=5', 'sample_rat=8000', 'eager_end_ms=900&end_ms=100', 'labels=%7Bbroken']) {
      const peer = new RawPeer(`${server.url}?${query}`);
      expect(await peer.closed).toBe(1008);
      expect(peer.errors()).toEqual([expect.objectContaining({ code: 'bad_config', fatal: true })]);
      expect(peer.errors()[0]!.message.length).toBeGreaterThan(10);
    }
    expect(server.registry.pendingConnections).toBe(0);
  });

  it('lets 64 idle connections hold no session slot: a normal client is served at once', async () => {
    const idle = Array.from({ length: 64 }, () => new RawPeer(server.url));
    await Promise.all(idle.map((p) => p.opened));
    expect(server.registry.pendingConnections).toBe(64);
    expect(server.registry.activeSessions).toBe(0);
    expect(await goodCall(server)).toBe('go forward ten meters');
    idle.forEach((p) => p.ws.terminate());
    await waitFor(() => server.registry.pendingConnections === 0);
    expect(server.host.openConnections).toBe(0);
  });
});

describe('connection limits', () => {
  it('closes a connection that starts no session within startTimeoutMs, with start_timeout', async () => {
    const server = await startTestServer({ startTimeoutMs: 300, webrtcStartWaitMs: 0 });
    try {
      const peer = new RawPeer(server.url);
      await peer.opened;
      expect(await peer.closed).toBe(1008);
      expect(peer.errors()).toEqual([expect.objectContaining({ code: 'start_timeout', fatal: true })]);
      expect(server.registry.pendingConnections).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('caps connections without a session on their own, with a retry hint', async () => {
    const server = await startTestServer({ maxPendingConnections: 3 });
    try {
      const idle = Array.from({ length: 3 }, () => new RawPeer(server.url));
      await Promise.all(idle.map((p) => p.opened));
      const refused = new RawPeer(server.url);
      expect(await refused.closed).toBe(1013);
      expect(refused.errors()[0]).toMatchObject({ code: 'capacity_exceeded', retry_after_ms: 1000 });
      // A pending connection that starts its session frees its pending place.
      idle[0]!.send({ type: 'start' });
      await idle[0]!.next('session.started');
      await waitFor(() => server.registry.pendingConnections === 2);
      const next = await startedPeer(server.url);
      for (const peer of [idle[0]!, next]) {
        peer.send({ type: 'stop' });
        expect(await peer.closed).toBe(1000);
      }
      idle.slice(1).forEach((p) => p.ws.terminate());
      await waitFor(() => server.host.openConnections === 0);
    } finally {
      await server.close();
    }
  });

  it('limits sessions per client address and per API key with limit_exceeded', async () => {
    const server = await startTestServer({ apiKeys: ['alpha', 'beta'], maxSessionsPerAddress: 3, maxSessionsPerKey: 2 });
    try {
      const alpha = { authorization: 'Bearer alpha' };
      const held = [await startedPeer(server.url, alpha), await startedPeer(server.url, alpha)];
      const overKey = new RawPeer(server.url, alpha);
      await overKey.opened;
      overKey.send({ type: 'start' });
      expect(await overKey.closed).toBe(1008);
      expect(overKey.errors()[0]).toMatchObject({ code: 'limit_exceeded', retry_after_ms: expect.any(Number) });
      expect(overKey.errors()[0]!.message).toMatch(/API key/);
      held.push(await startedPeer(server.url, { authorization: 'Bearer beta' }));
      const overAddress = new RawPeer(server.url, { authorization: 'Bearer beta' });
      await overAddress.opened;
      overAddress.send({ type: 'start' });
      expect(await overAddress.closed).toBe(1008);
      expect(overAddress.errors()[0]!.message).toMatch(/address/);
      for (const peer of held) {
        peer.send({ type: 'stop' });
        expect(await peer.closed).toBe(1000);
      }
      expect(server.registry.activeSessions).toBe(0);
      (await startedPeer(server.url, alpha)).ws.terminate();
    } finally {
      await server.close();
    }
  });

  it('ends a session at maxSessionMs: the open turn with turn.end, then session.ended, both max_duration', async () => {
    const server = await startTestServer({ maxSessionMs: 1500 });
    try {
      const peer = new RawPeer(server.url);
      await peer.opened;
      peer.send({ type: 'start', end_ms: 5000, eager_end_ms: 4000 });
      for (let at = 0; at < 32000; at += 3200) peer.send(pcm.subarray(at, at + 3200));
      expect(await peer.closed).toBe(1000);
      expect(peer.events.slice(-2)).toEqual([
        expect.objectContaining({ type: 'turn.end', reason: 'max_duration' }),
        expect.objectContaining({ type: 'session.ended', reason: 'max_duration' }),
      ]);
      expect(server.registry.activeSessions).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('a client that never reads', () => {
  it('loses partials past the soft limit, never turn events, and is ended past the hard limit', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({ outboundSoftLimitBytes: 1024, outboundHardLimitBytes: 2 * 1024 * 1024 }, { log });
    try {
      const peer = await startedPeer(server.url);
      // Stop reading: the kernel's socket buffers fill, then the server's own buffer grows.
      (peer.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      let gone = false;
      void peer.closed.then(() => (gone = true));
      // Each bad message earns an error event, so the client's own flood fills its buffers;
      // speech between the batches makes partials that must be dropped, not queued.
      for (let batch = 0; batch < 400 && !gone; batch++) {
        for (let i = 0; i < 1000; i++) peer.send('x');
        const at = (batch * 3200) % (pcm.length - 3200);
        peer.send(pcm.subarray(at, at + 3200));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitFor(() => server.registry.activeSessions === 0, 20_000);
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(Number(/parley_partials_dropped_total (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
      const end = lines.find((l) => l.event === 'session_end');
      expect(end).toMatchObject({ reason: 'error', error_codes: expect.arrayContaining(['slow_consumer']) });
      await waitFor(() => server.host.openConnections === 0);
    } finally {
      await server.close();
    }
  });
});
