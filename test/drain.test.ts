import { status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParleyGrpcClient } from '../clients/parley-grpc-client.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { captureLog } from './support/log-capture.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);
/** The first second of "go forward ten meters": speech, so a turn is open. */
const SPEECH = pcm.subarray(0, 32000);

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('graceful drain', () => {
  it('ends open turns with turn.end, sessions with server_shutdown, and refuses newcomers', async () => {
    const { log, lines } = captureLog();
    const timersBefore = activeTimers();
    const server = await startTestServer({ drainMs: 5000, prewarmDecoders: 2 }, { log });
    const ws = new RawPeer(server.url);
    await ws.opened;
    ws.send({ type: 'start', end_ms: 5000, eager_end_ms: 4000 });
    for (let at = 0; at < SPEECH.length; at += 3200) ws.send(SPEECH.subarray(at, at + 3200));
    await ws.next('speech.started');

    const grpc = new ParleyGrpcClient({ address: `127.0.0.1:${server.grpcPort}`, config: { end_ms: 5000, eager_end_ms: 4000 } });
    await grpc.started;
    const grpcEvents: string[] = [];
    grpc.on('event', (event) => grpcEvents.push(event.type === 'turn.end' ? `turn.end:${event.reason}` : event.type));
    for (let at = 0; at < SPEECH.length; at += 3200) void grpc.sendAudio(SPEECH.subarray(at, at + 3200)).catch(() => undefined);
    await new Promise<void>((resolve) => grpc.once('speech.started', () => resolve()));

    const closing = server.close();
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`).catch(() => null);
    if (health) expect(health.status).toBe(503);
    const late = new RawPeer(server.url);
    await expect(late.opened).rejects.toThrow(/503|ECONNREFUSED|socket hang up/);

    expect(await ws.closed).toBe(1001);
    const types = ws.events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['turn.end', 'session.ended']);
    expect(ws.events.at(-2)).toMatchObject({ type: 'turn.end', reason: 'server_shutdown', turn_id: 1 });
    expect(ws.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'server_shutdown' });

    expect((await grpc.closed).code).toBe(status.UNAVAILABLE);
    expect(grpcEvents.slice(-2)).toEqual(['turn.end:server_shutdown', 'session.ended']);

    await closing;
    expect(server.host.openConnections).toBe(0);
    expect(server.registry.activeSessions).toBe(0);
    expect(lines.filter((l) => l.event === 'session_end').map((l) => l.reason)).toEqual(['server_shutdown', 'server_shutdown']);
    // Every timer of the connections, sessions, pools and engines was cleared.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it('never hangs: a client that never reads is cut off at the drain deadline', async () => {
    const server = await startTestServer({ drainMs: 300 });
    const peer = new RawPeer(server.url);
    await peer.opened;
    peer.send({ type: 'start' });
    await peer.next('session.started');
    (peer.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let at = 0; at < SPEECH.length; at += 3200) peer.send(SPEECH.subarray(at, at + 3200));
    await server.close();
    expect(server.host.openConnections).toBe(0);
    expect(server.registry.activeSessions).toBe(0);
    peer.ws.terminate();
  });
});
