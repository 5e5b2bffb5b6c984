import { ParleyError } from '../../proto/errors.js';
import { PARLEY_DATA_CHANNEL } from '../../proto/webrtc.js';
import type { RtcDataChannel, RtcIceServer, RtcMediaStreamTrack, RtcPeerConnection, Wrtc } from '../../proto/webrtc-native.js';
import type { Logger } from '../logging/logger.js';
import type { SessionConnection } from '../session/session-connection.js';
import type { SessionHost } from '../session/session-host.js';
import { serveWebrtc, type WebrtcClient } from './webrtc-transport.js';

export interface WebrtcPeerOptions {
  iceServers: readonly RtcIceServer[];
  /** From the POST to the `parley` channel's opening; past it the peer is released. */
  connectTimeoutMs: number;
  /** The answer waits this long at most for ICE gathering, then carries the candidates it has. */
  iceGatherTimeoutMs: number;
  /** ICE `disconnected` this long ends the session as a vanished client. */
  disconnectGraceMs: number;
}

/**
 * One client's RTCPeerConnection, from the offer to its release: it answers the offer, waits
 * for the `parley` data channel, then serves the session over it (serveWebrtc). A peer that
 * never opens its channel, whose ICE fails or stays disconnected past the grace period, or
 * whose resource is deleted, is released; every native object goes with it.
 */
export class WebrtcPeer {
  private readonly pc: RtcPeerConnection;
  private track: RtcMediaStreamTrack | null = null;
  private connection: SessionConnection | null = null;
  private connectTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private releasedAlready = false;
  private resolveReleased!: () => void;
  /** Resolves once the peer connection is closed. */
  readonly released = new Promise<void>((resolve) => (this.resolveReleased = resolve));

  constructor(
    readonly id: string,
    private readonly wrtc: Wrtc,
    private readonly host: SessionHost,
    private readonly client: WebrtcClient,
    private readonly options: WebrtcPeerOptions,
    private readonly log: Logger,
  ) {
    this.pc = new wrtc.RTCPeerConnection({ iceServers: options.iceServers });
    this.pc.ontrack = ({ track }) => {
      if (track.kind === 'audio') this.track ??= track;
    };
    this.pc.ondatachannel = ({ channel }) => this.onDataChannel(channel);
    this.pc.onconnectionstatechange = () => this.onConnectionState();
    this.connectTimer = setTimeout(() => {
      this.log.info({ event: 'webrtc_connect_timeout', timeout_ms: options.connectTimeoutMs }, 'the data channel did not open in time');
      this.release();
    }, options.connectTimeoutMs);
  }

  /** The answer to `offer`, with every candidate gathered in time (no trickle ICE). */
  async answer(offer: string): Promise<string> {
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    } catch (error) {
      // libwebrtc's text names its parser's internals: it goes to the log, not to the client.
      this.log.info({ event: 'webrtc_bad_offer', detail: String(error) }, 'the offer could not be applied');
      throw new ParleyError('bad_request', 'the SDP offer could not be applied');
    }
    try {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await this.gathered();
    } catch (error) {
      if (!this.releasedAlready) throw error;
    }
    // The server began to shut down while the answer was being made.
    if (this.releasedAlready) throw new ParleyError('unavailable', 'the server is shutting down; connect to another instance', true, this.host.options.retryAfterMs);
    return this.pc.localDescription!.sdp;
  }

  /** `DELETE` of the resource: the session ends at once, as for a vanished client. */
  end(): void {
    if (this.connection) this.connection.onGone();
    else this.release();
  }

  /** Server shutdown, after the drain: whatever is still open is cut off. */
  close(): Promise<void> {
    if (this.connection) this.connection.forceClose();
    else this.release();
    return this.released;
  }

  /** Closes the peer connection, which closes its channels and tracks. Idempotent. */
  release(): void {
    if (this.releasedAlready) return;
    this.releasedAlready = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.graceTimer);
    this.pc.close();
    this.resolveReleased();
  }

  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pc.onicegatheringstatechange = null;
        resolve();
      };
      const timer = setTimeout(() => {
        this.log.warn({ event: 'webrtc_gather_timeout', timeout_ms: this.options.iceGatherTimeoutMs }, 'answering with the ICE candidates gathered so far');
        done();
      }, this.options.iceGatherTimeoutMs);
      this.pc.onicegatheringstatechange = () => {
        if (this.pc.iceGatheringState === 'complete') done();
      };
    });
  }

  private onDataChannel(channel: RtcDataChannel): void {
    // Only one `parley` channel carries the session; any other is not ours to serve.
    if (channel.label !== PARLEY_DATA_CHANNEL || this.connection || this.releasedAlready) {
      channel.close();
      return;
    }
    if (channel.readyState === 'open') this.serve(channel);
    else channel.onopen = () => this.serve(channel);
  }

  private serve(channel: RtcDataChannel): void {
    if (this.connection || this.releasedAlready) return;
    clearTimeout(this.connectTimer);
    if (!this.track) {
      // checkOffer lets no offer without a sending audio track through; libwebrtc signals the
      // track while it applies the offer, before any channel can open.
      this.log.error({ event: 'webrtc_no_track' }, 'the data channel opened without an audio track');
      this.release();
      return;
    }
    this.connection = serveWebrtc({ wrtc: this.wrtc, channel, track: this.track, release: () => this.release() }, this.client, this.host);
  }

  private onConnectionState(): void {
    if (this.releasedAlready) return;
    switch (this.pc.connectionState) {
      case 'connected':
        clearTimeout(this.graceTimer);
        this.graceTimer = undefined;
        return;
      case 'disconnected':
        // ICE consent checks went unanswered (RFC 7675): the network may come back.
        this.graceTimer ??= setTimeout(() => this.gone('disconnected'), this.options.disconnectGraceMs);
        return;
      case 'failed':
      case 'closed':
        this.gone(this.pc.connectionState);
        return;
      default:
        return;
    }
  }

  private gone(state: string): void {
    this.log.info({ event: 'webrtc_peer_gone', state }, 'the peer connection is lost');
    this.end();
  }
}
