import { ParleyError } from '../../proto/errors.js';
import type { ClientMessage, ServerEvent } from '../../proto/messages.js';
import type { RtcAudioSink, RtcDataChannel, RtcMediaStreamTrack, Wrtc } from '../../proto/webrtc-native.js';
import { parseClientMessage } from '../protocol/client-message-parser.js';
import type { ConnectionEnding, ConnectionTransport } from '../session/connection-transport.js';
import { SessionConnection } from '../session/session-connection.js';
import type { SessionHost } from '../session/session-host.js';
import { SinkAudio } from './webrtc-sink-audio.js';
import { CLOSE_HANDSHAKE_MS } from './close-handshake.js';

export interface WebrtcClient {
  credential: string | undefined;
  address: string;
  /** From the POST's query, with the audio format of WEBRTC_SESSION_AUDIO. */
  queryConfig: Record<string, unknown>;
}

/** What the transport uses of its peer: the open `parley` channel, the remote audio track, and the release of both. */
export interface WebrtcMedia {
  wrtc: Wrtc;
  channel: RtcDataChannel;
  track: RtcMediaStreamTrack;
  /** Closes the peer connection (and with it the channel and track). Idempotent. */
  release(): void;
}

/**
 * One WebRTC session: data channel text to connection messages, the audio track (through the
 * native audio sink) to session audio, events to data channel text. The WebRTC counterpart of
 * serveWebSocket; the SessionConnection does everything else.
 *
 * The POST that created the peer is the session's start: its query is the config, and the
 * session starts as soon as the channel opens. The track's audio flows from then on in real
 * time, so a `start` sent on the channel could never reliably arrive before the first audio;
 * it gets `bad_message` like any late `start`.
 */
export function serveWebrtc(media: WebrtcMedia, client: WebrtcClient, host: SessionHost): SessionConnection {
  const { channel } = media;
  let closing = false;
  let cutoff: NodeJS.Timeout | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const audio = new SinkAudio();
  let sink: RtcAudioSink | null = null;
  /** Track audio delivered before the session started; null once it has. */
  let held: Uint8Array[] | null = [];
  const startWait = setTimeout(() => startSession(undefined), host.options.webrtcStartWaitMs);
  const stopSink = () => {
    if (!sink) return;
    // Frames the native thread already queued must not arrive after the input ended.
    sink.ondata = null;
    sink.stop();
    sink = null;
  };

  const release = () => {
    clearTimeout(cutoff);
    clearTimeout(startWait);
    stopSink();
    media.release();
    resolveClosed();
  };
  const transport: ConnectionTransport = {
    kind: 'webrtc',
    announcesRefusals: true,
    send: (event: ServerEvent) => {
      if (channel.readyState !== 'open') return;
      try {
        channel.send(JSON.stringify(event));
      } catch {
        // libwebrtc refuses a send past its own buffer and closes the channel: the client is
        // then gone, which the channel's close reports.
      }
    },
    get bufferedBytes() {
      return channel.bufferedAmount;
    },
    // Audio arrives in real time and a sink cannot be paused: there is nothing to hold back.
    // Admission keeps the pipelines ahead of real time; a backlog is processed, never dropped.
    pause: () => undefined,
    resume: () => undefined,
    close: (ending: ConnectionEnding) => {
      closing = true;
      stopSink();
      if (ending.kind === 'gone' || channel.readyState !== 'open') return release();
      // libwebrtc sends what is queued on a channel before it closes it: the last events
      // (session.ended, a refusal) reach the client, then the peer connection is released.
      cutoff = setTimeout(release, CLOSE_HANDSHAKE_MS);
      channel.close();
    },
    closed,
  };

  const connection = new SessionConnection(host, transport, { ...client, startsOn: 'any_message' });
  // A close the server started (possibly a refusal inside the constructor) completes the
  // ending; any other close means the client is gone.
  channel.onclose = () => (closing ? release() : connection.onGone());
  channel.onmessage = ({ data }) => {
    if (typeof data !== 'string') {
      connection.onClientError(new ParleyError('bad_message', 'binary data channel messages are not accepted: audio travels on the audio track'));
      return;
    }
    onText(data);
  };
  if (!closing) sink = startSink();
  return connection;

  /** Starts the session with `first` (a `start` carries config), then replays the held audio. */
  function startSession(first: ClientMessage | undefined): void {
    clearTimeout(startWait);
    const before = held;
    if (before === null) return;
    held = null;
    if (first?.type === 'start') connection.onMessage(first);
    else connection.onStart({});
    for (const bytes of before) connection.onAudio(bytes);
  }

  function startSink(): RtcAudioSink {
    const started = new media.wrtc.nonstandard.RTCAudioSink(media.track);
    started.ondata = (frame) => {
      let bytes: Uint8Array;
      try {
        bytes = audio.convert(frame);
      } catch {
        // A rate the resampler does not take (outside 8 to 48 kHz): nothing of this track can be heard.
        connection.onClientError(new ParleyError('bad_audio', `the audio track delivers ${frame.sampleRate} Hz, which Parley cannot take`, true));
        return;
      }
      if (bytes.length === 0) return;
      if (held) held.push(bytes);
      else connection.onAudio(bytes);
    };
    return started;
  }

  function onText(text: string): void {
    const { maxMessageBytes } = host.options;
    if (Buffer.byteLength(text) > maxMessageBytes) {
      connection.onClientError(new ParleyError('too_large', `a message was larger than limits.max_message_bytes (${maxMessageBytes})`, true));
      return;
    }
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      connection.onClientError(error as ParleyError);
      return;
    }
    if (held) {
      startSession(message);
      if (message.type === 'start') return;
    }
    // `stop` ends the input, and on WebRTC the input is the track: the sink stops with the
    // audio it has delivered, or every later frame would be refused as audio after stop.
    if (message.type === 'stop' && sink) {
      stopSink();
      const tail = audio.flush();
      if (tail.length > 0) connection.onAudio(tail);
    }
    connection.onMessage(message);
  }
}
