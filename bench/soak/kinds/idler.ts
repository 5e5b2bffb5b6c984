import { connect } from 'node:net';
import { openPeer, pause, peerEnd, type Visit, type VisitOutcome } from './visit.js';

/** How long past the server's idle timeout the idler waits to be closed. */
const GRACE_MS = 10_000;
/** A silent TCP connection is Node's to end: headersTimeout (60 s), checked every 30 s. */
const TCP_SILENCE_MS = 100_000;

/** Connects and sends nothing: half the time over an open WebSocket, half over bare TCP (no request at all). */
export async function idler(visit: Visit): Promise<VisitOutcome> {
  if (Math.random() < 0.5) {
    const peer = await openPeer(visit.wsUrl);
    return { errors: [], ends: [await peerEnd(peer, visit.limits.idle_timeout_ms + GRACE_MS, visit.signal)] };
  }
  return { errors: [], ends: [await silentTcp(visit)] };
}

async function silentTcp(visit: Visit): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port: visit.httpPort });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve('tcp closed by server')));
  const end = await Promise.race([closed, pause(TCP_SILENCE_MS, visit.signal).then(() => null)]);
  socket.destroy();
  return end ?? (visit.signal.aborted ? 'aborted' : `tcp open after ${TCP_SILENCE_MS / 1000} s`);
}
