import type { ServerEvent } from '../../proto/messages.js';
import { loadWrtc, type RtcAudioSource, type RtcDataChannel, type RtcMediaStreamTrack, type RtcPeerConnection } from '../../proto/webrtc-native.js';
import { PARLEY_DATA_CHANNEL, SDP_CONTENT_TYPE, WEBRTC_PATH } from '../../proto/webrtc.js';
import { nextEvent } from './next-event.js';

export interface RawWebrtcPeerOptions {
  /** Label of the offer's data channel; null: no data channel. Default `parley`. */
  channel?: string | null;
  /** Audio tracks in the offer. Default 1. */
  audioTracks?: number;
}

export interface PostOptions {
  query?: string;
  headers?: Record<string, string>;
  /** Instead of the offer. */
  body?: string | Uint8Array;
}

/**
 * A bare WebRTC peer for tests: an offer from real libwebrtc (send-only audio tracks fed from
 * an RTCAudioSource, a data channel), POSTed by hand, every event recorded; for misbehaving
 * on purpose (no DELETE, no answer applied, odd offers). `close()` releases its native objects.
 */
export class RawWebrtcPeer {
  readonly pc: RtcPeerConnection;
  readonly source: RtcAudioSource;
  readonly tracks: RtcMediaStreamTrack[] = [];
  readonly channel: RtcDataChannel | null;
  readonly events: ServerEvent[] = [];
  /** Resolves when the data channel closes. */
  readonly channelClosed: Promise<void>;
  location: string | null = null;

  constructor(options: RawWebrtcPeerOptions = {}) {
    const wrtc = loadWrtc();
    this.pc = new wrtc.RTCPeerConnection();
    this.source = new wrtc.nonstandard.RTCAudioSource();
    for (let i = 0; i < (options.audioTracks ?? 1); i++) {
      const track = this.source.createTrack();
      this.tracks.push(track);
      this.pc.addTransceiver(track, { direction: 'sendonly' });
    }
    const label = options.channel === undefined ? PARLEY_DATA_CHANNEL : options.channel;
    this.channel = label === null ? null : this.pc.createDataChannel(label);
    this.channelClosed = new Promise((resolve) => {
      if (!this.channel) return resolve();
      this.channel.onclose = () => resolve();
    });
    if (this.channel) {
      this.channel.onmessage = ({ data }) => {
        if (typeof data === 'string') this.events.push(JSON.parse(data) as ServerEvent);
      };
    }
  }

  /** The offer with every candidate gathered. */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        this.pc.onicegatheringstatechange = () => {
          if (this.pc.iceGatheringState === 'complete') resolve();
        };
      });
    }
    return this.pc.localDescription!.sdp;
  }

  /** POSTs the offer (or `body`) to `/v1/webrtc` of the server on `port`. */
  async post(port: number, options: PostOptions = {}): Promise<Response> {
    const body = options.body ?? (await this.offer());
    const res = await fetch(`http://127.0.0.1:${port}${WEBRTC_PATH}${options.query ? `?${options.query}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': SDP_CONTENT_TYPE, ...options.headers },
      body,
    });
    this.location = res.headers.get('location');
    return res;
  }

  /**
   * POSTs the offer and applies the answer; resolves once the data channel is open. `start`
   * is sent the moment it opens; without it the server waits `webrtcStartWaitMs` for one.
   */
  async connect(port: number, options: PostOptions & { start?: object } = {}): Promise<void> {
    const res = await this.post(port, options);
    if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
    const opened = new Promise<void>(
      (resolve) =>
        (this.channel!.onopen = () => {
          if (options.start) this.send(options.start);
          resolve();
        }),
    );
    await this.pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await opened;
  }

  /** DELETEs the resource the POST created. */
  remove(port: number): Promise<Response> {
    return fetch(`http://127.0.0.1:${port}${this.location}`, { method: 'DELETE' });
  }

  send(data: string | Uint8Array | object): void {
    this.channel!.send(typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data));
  }

  next<T extends ServerEvent['type']>(type: T, timeoutMs = 10_000): Promise<Extract<ServerEvent, { type: T }>> {
    return nextEvent(this.events, type, timeoutMs);
  }

  errors(): Array<Extract<ServerEvent, { type: 'error' }>> {
    return this.events.filter((e): e is Extract<ServerEvent, { type: 'error' }> => e.type === 'error');
  }

  /** Closes the peer connection without a DELETE, as a tab that is closed. Idempotent. */
  close(): void {
    for (const track of this.tracks) track.stop();
    this.pc.close();
  }
}
