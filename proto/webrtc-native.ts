import { createRequire } from 'node:module';

// The parts of @roamhq/wrtc (the maintained node-webrtc) that both ends of Parley's WebRTC wire
// use. Its own typings re-export the DOM's RTC types, which a Node build (no "dom" lib) sees as
// `any`; these keep the compiler checking every call.

export interface RtcSessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

/** Field names as `RTCIceServer` has them. */
export interface RtcIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface RtcMediaStreamTrack {
  readonly kind: string;
  stop(): void;
}

export interface RtcDataChannel {
  readonly label: string;
  readonly readyState: 'connecting' | 'open' | 'closing' | 'closed';
  /** Bytes queued by `send` and not yet handed to the SCTP transport. */
  readonly bufferedAmount: number;
  onopen: (() => void) | null;
  onclose: (() => void) | null;
  /** Text arrives as a string, binary as an ArrayBuffer. */
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null;
  send(data: string | Uint8Array): void;
  close(): void;
}

export type RtcPeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface RtcPeerConnection {
  readonly connectionState: RtcPeerConnectionState;
  readonly iceGatheringState: 'new' | 'gathering' | 'complete';
  readonly localDescription: RtcSessionDescription | null;
  onconnectionstatechange: (() => void) | null;
  onicegatheringstatechange: (() => void) | null;
  ontrack: ((event: { track: RtcMediaStreamTrack }) => void) | null;
  ondatachannel: ((event: { channel: RtcDataChannel }) => void) | null;
  createOffer(): Promise<RtcSessionDescription>;
  createAnswer(): Promise<RtcSessionDescription>;
  setLocalDescription(description: RtcSessionDescription): Promise<void>;
  setRemoteDescription(description: RtcSessionDescription): Promise<void>;
  createDataChannel(label: string): RtcDataChannel;
  addTransceiver(track: RtcMediaStreamTrack, init: { direction: 'sendonly' }): unknown;
  close(): void;
}

/** One chunk of PCM, 10 ms in libwebrtc's audio path. */
export interface RtcAudioData {
  /** Interleaved when `channelCount` > 1. */
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  numberOfFrames?: number;
}

/** Receives a remote track's decoded audio; its native thread runs until `stop()`. */
export interface RtcAudioSink {
  ondata: ((data: RtcAudioData) => void) | null;
  stop(): void;
}

/** Feeds PCM into a local track; the track's native source lives until the track is stopped. */
export interface RtcAudioSource {
  createTrack(): RtcMediaStreamTrack;
  onData(data: RtcAudioData): void;
}

export interface Wrtc {
  RTCPeerConnection: new (configuration?: { iceServers?: readonly RtcIceServer[] }) => RtcPeerConnection;
  nonstandard: {
    RTCAudioSink: new (track: RtcMediaStreamTrack) => RtcAudioSink;
    RTCAudioSource: new () => RtcAudioSource;
  };
}

let wrtc: Wrtc | undefined;

/** The native module, loaded on first use: only processes that speak WebRTC pay for it. */
export function loadWrtc(): Wrtc {
  wrtc ??= createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;
  return wrtc;
}
