import { errorCodes, openPeer, pause, type Visit, type VisitOutcome } from './visit.js';

const AUDIO_MS = 100;
/** The drop lands anywhere from before `session.started` to mid-decode. */
const MAX_LINGER_MS = 500;

/** Connects, starts a session, sends 0.1 s of speech and drops the TCP connection without a close frame. */
export async function vanisher(visit: Visit): Promise<VisitOutcome> {
  const peer = await openPeer(visit.wsUrl);
  peer.send({ type: 'start' });
  peer.send(visit.speech.continuous(AUDIO_MS));
  await pause(Math.random() * MAX_LINGER_MS, visit.signal);
  peer.ws.terminate();
  return { errors: errorCodes(peer), ends: ['dropped'] };
}
