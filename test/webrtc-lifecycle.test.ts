import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { ParleyWebrtcClient } from '../clients/parley-webrtc-client.js';
import type { ServerEvent } from '../proto/messages.js';
import { AudioPacer } from '../clients/webrtc-audio-pacer.js';
import { at16kTo, goForward } from './support/audio-fixtures.js';
import { captureLog } from './support/log-capture.js';
import { fetchMetrics, metricValue } from './support/prometheus-text.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { RawWebrtcPeer } from './support/webrtc-raw-peer.js';

/** The first second of "go forward ten meters": speech, so a turn is open. */
const SPEECH = encodeSamples(goForward().subarray(0, 16000), 'pcm_s16le');

async function sendSpeech(client: ParleyWebrtcClient): Promise<void> {
  for (let at = 0; at < SPEECH.length; at += 640) await client.sendAudio(SPEECH.subarray(at, at + 640));
}

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Nothing of a WebRTC session is left on the server. */
async function released(server: Server, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => server.webrtcPeers() === 0 && server.registry.activeSessions === 0 && server.host.openConnections === 0, timeoutMs);
}

function sessionEnds(lines: Array<Record<string, unknown>>): unknown[] {
  return lines.filter((l) => l.event === 'session_end').map((l) => l.reason);
}

describe('WebRTC session lifecycle', () => {
  it('DELETE of the resource ends the session at once and releases the peer', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({}, { log });
    try {
      const client = new ParleyWebrtcClient({ url: `http://127.0.0.1:${server.port}`, config: { sample_rate: 16000 } });
      await client.started;
      await sendSpeech(client);
      expect(server.webrtcPeers()).toBe(1);
      expect(metricValue((await fetchMetrics(server.port)).metrics, 'parley_webrtc_peers')).toBe(1);
      expect(server.registry.activeSessions).toBe(1);
      client.close();
      expect(await client.closed).toMatchObject({ status: 201, ok: false });
      await released(server);
      expect(sessionEnds(lines)).toEqual(['client_gone']);
    } finally {
      await server.close();
    }
  });

  it('a client that closes its peer connection without DELETE frees its session', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({}, { log });
    try {
      const peer = new RawWebrtcPeer();
      await peer.connect(server.port);
      await peer.next('session.started');
      peer.close();
      await released(server);
      expect(sessionEnds(lines)).toEqual(['client_gone']);
    } finally {
      await server.close();
    }
  });

  it('a client that vanishes (killed: no DELETE, no close) frees its session after the disconnect grace period', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({ webrtcDisconnectGraceMs: 500 }, { log });
    try {
      const child = fork('dist/test/support/webrtc-vanishing-client.js', [`http://127.0.0.1:${server.port}`], { stdio: 'ignore' });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`the client exited with ${code}`)));
      });
      await waitFor(() => server.registry.activeSessions === 1);
      child.kill('SIGKILL');
      // libwebrtc declares ICE disconnected after some seconds of unanswered consent checks
      // (5 to 8 s here), later on a busy machine.
      await released(server, 45_000);
      expect(sessionEnds(lines)).toEqual(['client_gone']);
      // Disconnected past the grace period; on a loaded machine libwebrtc may declare the
      // connection failed first (seen in a full run beside CPU-heavy benchmarks).
      expect(['disconnected', 'failed']).toContain(lines.find((l) => l.event === 'webrtc_peer_gone')?.state);
    } finally {
      await server.close();
    }
  }, 90_000);

  it('server close() ends the open turn and the session with server_shutdown on the data channel, then releases the peer', async () => {
    const server = await startTestServer({ drainMs: 5000 });
    const client = new ParleyWebrtcClient({ url: `http://127.0.0.1:${server.port}`, config: { sample_rate: 16000, end_ms: 5000, eager_end_ms: 4000 } });
    const events: ServerEvent[] = [];
    client.on('event', (event) => events.push(event));
    await client.started;
    // A peer whose answer is never applied holds no session: close() must release it too.
    const pending = new RawWebrtcPeer();
    expect((await pending.post(server.port)).status).toBe(201);
    await sendSpeech(client);
    await waitFor(() => events.some((e) => e.type === 'speech.started'));
    expect(server.webrtcPeers()).toBe(2);

    await server.close();
    const end = await client.closed;
    pending.close();
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({ type: 'turn.end', reason: 'server_shutdown', turn_id: 1 }),
      expect.objectContaining({ type: 'session.ended', reason: 'server_shutdown' }),
    ]);
    expect(end).toMatchObject({ status: 201, ok: false, reason: 'server_shutdown' });
    expect(server.webrtcPeers()).toBe(0);
    expect(server.registry.activeSessions).toBe(0);
    expect(server.host.openConnections).toBe(0);
  });

  it('refuses new offers with 503 unavailable while draining', async () => {
    const server = await startTestServer({ drainMs: 5000 });
    // A WebSocket client that stops reading holds the drain open until its close handshake is cut off.
    const holder = new RawPeer(server.url);
    await holder.opened;
    holder.send({ type: 'start' });
    await holder.next('session.started');
    (holder.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const late = new RawWebrtcPeer();
    const offer = await late.offer();
    const closing = server.close();
    const res = await late.post(server.port, { body: offer });
    late.close();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toEqual(expect.any(String));
    expect(await res.json()).toMatchObject({ code: 'unavailable' });
    holder.ws.terminate();
    await closing;
    expect(server.webrtcPeers()).toBe(0);
  });
});

describe('WebRTC data channel messages', () => {
  it('a start sent as the channel opens layers its config over the query; a second start, binary and malformed messages are refused without ending the session', async () => {
    const server = await startTestServer();
    try {
      const peer = new RawWebrtcPeer();
      await peer.connect(server.port, { query: 'end_ms=5000&eager_end_ms=4000', start: { type: 'start', eager_end_ms: 3000, labels: { call: 'c-1' } } });
      const started = await peer.next('session.started');
      expect(peer.events[0]).toBe(started);
      expect(started.config).toMatchObject({ encoding: 'pcm_s16le', sample_rate: 48000, channels: 1, end_ms: 5000, eager_end_ms: 3000, labels: { call: 'c-1' } });
      peer.send({ type: 'start', end_ms: 100 });
      peer.send(new Uint8Array([1, 2, 3, 4]));
      peer.send('not json');
      peer.send({ type: 'keepalive' });
      peer.send({ type: 'finalize' });
      await waitFor(() => peer.errors().length === 3);
      expect(peer.errors().map((e) => [e.code, e.fatal])).toEqual([
        ['bad_message', false],
        ['bad_message', false],
        ['bad_message', false],
      ]);
      peer.send({ type: 'stop' });
      const ended = await peer.next('session.ended');
      expect(ended.reason).toBe('stop');
      expect(peer.events.at(-1)).toBe(ended);
      await peer.channelClosed;
      peer.close();
      await released(server);
    } finally {
      await server.close();
    }
  });

  it('a start whose config is bad ends the session attempt with a fatal bad_config, then the peer is released', async () => {
    const server = await startTestServer();
    try {
      const peer = new RawWebrtcPeer();
      await peer.connect(server.port, { start: { type: 'start', end_ms: -5 } });
      await peer.channelClosed;
      expect(peer.events).toEqual([expect.objectContaining({ type: 'error', code: 'bad_config', fatal: true })]);
      peer.close();
      await released(server);
    } finally {
      await server.close();
    }
  });

  it('a client that sends nothing gets its session after webrtcStartWaitMs with the query config, and the audio of the wait is held, not lost', async () => {
    const waitMs = 800;
    const server = await startTestServer({ webrtcStartWaitMs: waitMs });
    const peer = new RawWebrtcPeer();
    const pacer = new AudioPacer(peer.source, 0);
    try {
      await peer.connect(server.port, { query: 'end_ms=400' });
      const openedAt = performance.now();
      pacer.start();
      void pacer.push(at16kTo(goForward(), 48000));
      const started = await peer.next('session.started');
      expect(performance.now() - openedAt).toBeGreaterThanOrEqual(waitMs - 50);
      expect(started.config).toMatchObject({ end_ms: 400 });
      // The speech lies 0.5 s into the file, so inside the wait: held, it is heard where it
      // is; dropped, the session's clock would start on it (at_ms near 0) and "go" be lost.
      const speech = await peer.next('speech.started');
      expect(speech.at_ms).toBeGreaterThanOrEqual(400);
      expect(speech.at_ms).toBeLessThan(waitMs);
      const end = await peer.next('turn.end', 15_000);
      expect(end.text).toMatch(/^go forward/);
    } finally {
      pacer.stop();
      peer.close();
      await released(server);
      await server.close();
    }
  });

  it('a connection refused before its session (pending cap) gets the error on the channel, then the peer is released', async () => {
    const server = await startTestServer({ maxPendingConnections: 1 });
    try {
      // A WebSocket that never starts its session holds the one pending slot.
      const idle = new RawPeer(server.url);
      await idle.opened;
      const peer = new RawWebrtcPeer();
      await peer.connect(server.port);
      await peer.channelClosed;
      expect(peer.events).toEqual([expect.objectContaining({ type: 'error', code: 'capacity_exceeded', fatal: true })]);
      peer.close();
      idle.ws.terminate();
      await released(server);
    } finally {
      await server.close();
    }
  });

  it('a session refused at admission gets a fatal error event on the channel, then the peer is released', async () => {
    const server = await startTestServer({ maxSessions: 1 });
    try {
      const first = new ParleyWebrtcClient({ url: `http://127.0.0.1:${server.port}` });
      await first.started;
      const second = new RawWebrtcPeer();
      await second.connect(server.port);
      await second.channelClosed;
      expect(second.events).toEqual([expect.objectContaining({ type: 'error', code: 'capacity_exceeded', fatal: true, retry_after_ms: expect.any(Number) })]);
      second.close();
      await waitFor(() => server.webrtcPeers() === 1);
      first.close();
      await first.closed;
      await released(server);
    } finally {
      await server.close();
    }
  });
});
