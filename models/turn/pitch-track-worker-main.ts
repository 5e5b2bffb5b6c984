// Entry point of the pitch-tracking worker thread: a pause's pitch track takes a few ms of
// CPU, which the server's event loop should not spend.
import { parentPort } from 'node:worker_threads';
import { PROSODY_PITCH_OPTIONS } from '../../audio/prosody-features.js';
import { trackPitch } from '../../audio/pitch-tracker.js';
import type { PitchTrackReply, PitchTrackRequest } from './pitch-track-worker-protocol.js';

const port = parentPort!;
const reply = (message: PitchTrackReply) => port.postMessage(message);

port.on('message', (request: PitchTrackRequest) => {
  if (request.type === 'close') {
    port.close();
    return;
  }
  try {
    reply({ type: 'result', id: request.id, frames: trackPitch(request.samples, PROSODY_PITCH_OPTIONS) });
  } catch (error) {
    reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
});
reply({ type: 'ready' });
