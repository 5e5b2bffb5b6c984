import { describe, expect, it } from 'vitest';
import { checkOffer } from './webrtc-offer.js';

/** The shape of a browser's offer: BUNDLE of one audio section and the data channel. */
function offer({ audio = ['a=sendrecv', 'a=rtpmap:111 opus/48000/2'], extra = '' } = {}): string {
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    ...audio,
    'a=rtpmap:0 PCMU/8000',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'a=mid:1',
    'a=sctp-port:5000',
    extra,
  ].join('\r\n');
}

describe('checkOffer', () => {
  it('accepts one sending Opus track and a data channel', () => {
    expect(() => checkOffer(offer())).not.toThrow();
    expect(() => checkOffer(offer({ audio: ['a=sendonly', 'a=rtpmap:111 opus/48000/2'] }))).not.toThrow();
  });

  it.each([
    ['not SDP', 'hello', /SDP offer/],
    ['a track that does not send', offer({ audio: ['a=recvonly', 'a=rtpmap:111 opus/48000/2'] }), /must send/],
    ['a track without Opus', offer({ audio: ['a=sendrecv'] }), /Opus/],
    ['video besides', offer({ extra: 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000' }), /nothing else/],
    ['no data channel', offer().replace(/m=application[^]*$/, ''), /data channel/],
    ['two audio tracks', offer({ extra: 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2' }), /exactly one audio track/],
  ])('refuses %s with bad_request', (_name, sdp, message) => {
    expect(() => checkOffer(sdp)).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(message) }));
  });
});
