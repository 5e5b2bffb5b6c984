import { encodeSamples } from '../../audio/pcm-decoder.js';
import { ParleyWebrtcClient } from '../../clients/parley-webrtc-client.js';
import { goForward } from './audio-fixtures.js';

/**
 * A child process for tests: opens a WebRTC session at the base URL in argv[2], says
 * `started` to its parent over IPC, and streams speech until it is killed. SIGKILL stops it
 * without a DELETE, a DTLS close or an SCTP abort: the server only notices that ICE consent
 * checks go unanswered, as with a laptop whose network drops.
 */
const client = new ParleyWebrtcClient({ url: process.argv[2]!, config: { sample_rate: 16000 } });
const started = await client.started;
process.send!({ started: started.session_id });
const speech = encodeSamples(goForward(), 'pcm_s16le');
for (;;) {
  for (let at = 0; at < speech.length; at += 640) await client.sendAudio(speech.subarray(at, at + 640));
}
