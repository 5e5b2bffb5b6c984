import { ParleyError } from '../../proto/errors.js';

/** One `m=` section of an SDP: its media line and the attribute lines under it. */
interface MediaSection {
  kind: string;
  /** The whole `m=` line. */
  line: string;
  attributes: string[];
}

function bad(message: string): ParleyError {
  return new ParleyError('bad_request', message);
}

function sectionsOf(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) sections.push({ kind: line.slice(2).split(' ')[0]!, line, attributes: [] });
    else if (line.startsWith('a=')) sections.at(-1)?.attributes.push(line.slice(2));
  }
  return sections;
}

/**
 * Checks that an offer is what design.md 3b asks for before any native object is made: one
 * audio track that sends Opus, one data channel, nothing else. libwebrtc would accept far
 * more (video, several tracks, a receive-only track) and the call would then fail silently:
 * no audio, or no channel to carry events. The data channel's label travels in-band, so it
 * is checked when the channel opens.
 */
export function checkOffer(sdp: string): void {
  if (!sdp.startsWith('v=0')) throw bad('the body is not an SDP offer (it must start with "v=0")');
  const sections = sectionsOf(sdp);
  const audio = sections.filter((s) => s.kind === 'audio');
  const application = sections.filter((s) => s.kind === 'application');
  if (audio.length !== 1) throw bad(`the offer must hold exactly one audio track, it holds ${audio.length}`);
  if (application.length !== 1 || !application[0]!.line.includes('webrtc-datachannel')) {
    throw bad('the offer must hold a data channel (labelled "parley") for the events');
  }
  if (sections.length !== 2) throw bad('the offer may hold one audio track and the data channel, nothing else');
  const track = audio[0]!;
  if (track.attributes.some((a) => a === 'recvonly' || a === 'inactive')) {
    throw bad('the audio track must send audio (sendonly or sendrecv)');
  }
  if (!track.attributes.some((a) => /^rtpmap:\d+ opus\/48000/i.test(a))) throw bad('the audio track must offer Opus');
}
