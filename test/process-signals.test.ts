import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../bench/turn-latency/server-process.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { RawPeer } from './support/raw-ws.js';
import { waitFor } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

function exitCode(server: ServerProcess): Promise<number | null> {
  return new Promise((resolve) => server.child.once('exit', (code) => resolve(code)));
}

/** A session with a turn open: speech sent, `speech.started` seen. */
async function midTurn(server: ServerProcess): Promise<RawPeer> {
  const peer = new RawPeer(server.url);
  await peer.opened;
  peer.send({ type: 'start', end_ms: 5000, eager_end_ms: 4000 });
  for (let at = 0; at < 32000; at += 3200) peer.send(pcm.subarray(at, at + 3200));
  await peer.next('speech.started');
  return peer;
}

describe('the server process on SIGTERM', () => {
  it('drains: the open turn ends, the session ends with server_shutdown and close 1001, exit 0', async () => {
    const server = await startServerProcess({ PARLEY_DRAIN_MS: '5000' });
    const exited = exitCode(server);
    const peer = await midTurn(server);
    server.child.kill('SIGTERM');
    expect(await peer.closed).toBe(1001);
    expect(peer.events.slice(-2)).toEqual([
      expect.objectContaining({ type: 'turn.end', reason: 'server_shutdown' }),
      expect.objectContaining({ type: 'session.ended', reason: 'server_shutdown' }),
    ]);
    expect(await exited).toBe(0);
    expect(server.output()).toMatch(/"event":"session_end"[^\n]*"reason":"server_shutdown"/);
  });

  it('ends at once on a second SIGTERM while the drain waits for a client', async () => {
    const server = await startServerProcess({ PARLEY_DRAIN_MS: '30000' });
    const exited = exitCode(server);
    const peer = await midTurn(server);
    // A client that never reads never answers the close: the drain would wait for it.
    (peer.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    server.child.kill('SIGTERM');
    await waitFor(() => server.output().includes('"event":"shutdown"'));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(server.output()).toContain('"event":"forced_exit"');
    peer.ws.terminate();
  });
});
