import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { replay } from '../clients/replay.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer, waitFor } from './support/test-server.js';

const MAX_MESSAGE_BYTES = 64 * 1024;
const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

describe('bad input over the WebSocket', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    server = await startTestServer({ maxMessageBytes: MAX_MESSAGE_BYTES, prewarmDecoders: 2 });
  });
  afterAll(() => server?.close());

  /** A well-behaved call running beside the bad ones must come through untouched. */
  async function goodCall(): Promise<string> {
    const result = await replay(
      { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: pcm },
      { url: server.url, speed: 2, chunkMs: 40 },
    );
    expect(result.closeCode).toBe(1000);
    return result.turns.map((t) => t.text).join(' ');
  }

  it('refuses an invalid query config with bad_config and close 1008', async () => {
    const peer = new RawPeer(`${server.url}?sample_rate=5`);
    await peer.opened;
    peer.send(new Uint8Array(640));
    expect(await peer.closed).toBe(1008);
    expect(peer.errors()).toEqual([expect.objectContaining({ code: 'bad_config', fatal: true })]);
  });

  it('refuses an invalid start message with bad_config and close 1008', async () => {
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start', encoding: 'mp3' });
    expect(await peer.closed).toBe(1008);
    expect(peer.errors()[0]).toMatchObject({ code: 'bad_config', fatal: true });
  });

  it('answers non-JSON text, unknown types, broken audio and a late start with non-fatal errors and goes on', async () => {
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start' });
    await peer.next('session.started');
    peer.send('this is not json');
    peer.send({ type: 'pause' });
    peer.send(new Uint8Array(641));
    peer.send({ type: 'start', sample_rate: 8000 });
    peer.send(pcm.subarray(0, 3200));
    peer.send({ type: 'keepalive' });
    peer.send({ type: 'stop' });
    expect(await peer.closed).toBe(1000);
    expect(peer.errors().map((e) => [e.code, e.fatal])).toEqual([
      ['bad_message', false],
      ['bad_message', false],
      ['bad_audio', false],
      ['bad_message', false],
    ]);
    expect(peer.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'stop' });
  });

  it('refuses audio after stop with bad_message', async () => {
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start' });
    peer.send(pcm.subarray(0, 32000));
    peer.send({ type: 'stop' });
    peer.send(pcm.subarray(32000, 32640));
    expect(await peer.closed).toBe(1000);
    expect(peer.errors()).toEqual([expect.objectContaining({ code: 'bad_message', fatal: false })]);
    expect(peer.events.at(-1)).toMatchObject({ type: 'session.ended' });
  });

  it('closes an oversized message with 1009 while another call goes on', async () => {
    const good = goodCall();
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start' });
    peer.send(new Uint8Array(MAX_MESSAGE_BYTES + 2));
    expect(await peer.closed).toBe(1009);
    expect(await good).toBe('go forward ten meters');
    await waitFor(() => server.registry.activeSessions === 0);
  });

  it('frees the session of a client that vanishes mid-turn, and others are unharmed', async () => {
    const good = goodCall();
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start' });
    for (let offset = 0; offset < pcm.length / 2; offset += 3200) peer.send(pcm.subarray(offset, offset + 3200));
    await peer.next('speech.started');
    peer.ws.terminate();
    expect(await good).toBe('go forward ten meters');
    await waitFor(() => server.registry.activeSessions === 0);
  });

  it('ends the current turn on finalize', async () => {
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start', end_ms: 5000, eager_end_ms: 4000 });
    for (let offset = 0; offset < pcm.length; offset += 3200) peer.send(pcm.subarray(offset, offset + 3200));
    await peer.next('speech.started');
    peer.send({ type: 'finalize' });
    const end = await peer.next('turn.end');
    expect(end.turn_id).toBe(1);
    peer.send({ type: 'stop' });
    expect(await peer.closed).toBe(1000);
    expect(peer.events.filter((e) => e.type === 'turn.end')).toHaveLength(1);
  });
});

describe('limits and auth', () => {
  it('refuses a missing or wrong key with unauthorized and 1008, accepts the header or ?token=', async () => {
    const server = await startTestServer({ apiKeys: ['k1', 'k2'] });
    try {
      for (const peer of [new RawPeer(server.url), new RawPeer(server.url, { authorization: 'Bearer nope' })]) {
        expect(await peer.closed).toBe(1008);
        expect(peer.errors()[0]).toMatchObject({ code: 'unauthorized', fatal: true });
      }
      for (const peer of [new RawPeer(`${server.url}?token=k2`), new RawPeer(server.url, { authorization: 'Bearer k1' })]) {
        await peer.opened;
        peer.send({ type: 'start' });
        await peer.next('session.started');
        peer.send({ type: 'stop' });
        expect(await peer.closed).toBe(1000);
      }
    } finally {
      await server.close();
    }
  });

  it('refuses a session past maxSessions with capacity_exceeded and 1013', async () => {
    const server = await startTestServer({ maxSessions: 1 });
    try {
      const first = new RawPeer(server.url);
      await first.opened;
      first.send({ type: 'start' });
      await first.next('session.started');
      // A connection holds no slot until it starts a session: it is refused then.
      const second = new RawPeer(server.url);
      await second.opened;
      second.send({ type: 'start' });
      expect(await second.closed).toBe(1013);
      expect(second.errors()[0]).toMatchObject({ code: 'capacity_exceeded', fatal: true, retry_after_ms: expect.any(Number) });
      first.send({ type: 'stop' });
      expect(await first.closed).toBe(1000);
    } finally {
      await server.close();
    }
  });

  it('ends an idle session after idleTimeoutMs', async () => {
    const server = await startTestServer({ idleTimeoutMs: 300 });
    try {
      const peer = new RawPeer(server.url);
      await peer.opened;
      peer.send({ type: 'start' });
      expect(await peer.closed).toBe(1000);
      expect(peer.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'idle_timeout' });
    } finally {
      await server.close();
    }
  });

  it('answers /healthz with 200 once the models are loaded', async () => {
    const server = await startTestServer();
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
