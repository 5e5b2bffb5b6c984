import { RawPeer } from '../../../test/support/raw-ws.js';
import { errorCodes, peerEnd, type Visit, type VisitOutcome } from './visit.js';

const BURST = 12;
const AUDIO_MS = 100;
/** Each connection of the burst is a whole short session; it should be over well within this. */
const SESSION_WAIT_MS = 20_000;

/** A burst of connections at once, each a tiny session (start, 0.1 s of speech, stop): admission under a spike. */
export async function flood(visit: Visit): Promise<VisitOutcome> {
  const peers = Array.from({ length: BURST }, () => new RawPeer(visit.wsUrl));
  peers.forEach((peer) => void shortSession(peer, visit));
  const ends = await Promise.all(peers.map((peer) => peerEnd(peer, SESSION_WAIT_MS, visit.signal)));
  return { errors: peers.flatMap(errorCodes), ends };
}

async function shortSession(peer: RawPeer, visit: Visit): Promise<void> {
  try {
    await peer.opened;
  } catch {
    return; // Refused at the handshake: the close code says so.
  }
  peer.send({ type: 'start' });
  peer.send(visit.speech.continuous(AUDIO_MS));
  peer.send({ type: 'stop' });
}
