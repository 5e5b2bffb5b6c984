import { RawPeer } from '../../../test/support/raw-ws.js';
import { errorCodes, openPeer, peerEnd, type Visit, type VisitOutcome } from './visit.js';

/** Every variant ends its session with `stop` or is closed by the server well within this. */
const END_WAIT_MS = 15_000;
const BAD_QUERIES = ['sample_rate=5', 'encoding=%E0%A4%A', 'labels=%7B', 'channels=3', 'nope=1', 'sample_rate=1e400'];

type Variant = (visit: Visit) => Promise<RawPeer>;

/** Each makes one mistake of design.md section 3's "bad input" and leaves the rest of the session to the server. */
const VARIANTS: Record<string, Variant> = {
  'odd-length audio': async (visit) => {
    const peer = await started(visit);
    peer.send(visit.speech.continuous(100).subarray(0, 641));
    peer.send({ type: 'stop' });
    return peer;
  },
  'garbage text': async (visit) => {
    const peer = await started(visit);
    ['this is not json', '{', '{"type":5}', '{"type":"pause"}', '\u0000'].forEach((text) => peer.send(text));
    peer.send({ type: 'stop' });
    return peer;
  },
  'oversized message': async (visit) => {
    const peer = await started(visit);
    peer.send(new Uint8Array(visit.limits.max_message_bytes + 2));
    return peer;
  },
  'invalid UTF-8 text': async (visit) => {
    const peer = await started(visit);
    peer.ws.send(Buffer.from([0xc3, 0x28, 0xff]), { binary: false });
    return peer;
  },
  'bad start config': async (visit) => {
    const peer = await openPeer(visit.wsUrl);
    peer.send({ type: 'start', encoding: 'mp3', sample_rate: 'fast' });
    return peer;
  },
  'bad query config': async (visit) => {
    const peer = await openPeer(`${visit.wsUrl}?${BAD_QUERIES[Math.floor(Math.random() * BAD_QUERIES.length)]}`);
    peer.send(visit.speech.continuous(100));
    return peer;
  },
};

async function started(visit: Visit): Promise<RawPeer> {
  const peer = await openPeer(visit.wsUrl);
  peer.send({ type: 'start' });
  return peer;
}

/** One bad-input variant, picked at random; its name labels how the connection ended. */
export async function badFrames(visit: Visit): Promise<VisitOutcome> {
  const names = Object.keys(VARIANTS);
  const name = names[Math.floor(Math.random() * names.length)]!;
  const peer = await VARIANTS[name]!(visit);
  // The end first: the error events arrive before the close.
  const end = await peerEnd(peer, END_WAIT_MS, visit.signal);
  return { errors: errorCodes(peer), ends: [`${name}: ${end}`] };
}
