import type { ErrorCode } from '../../proto/errors.js';
import type { ClientMessage } from '../../proto/messages.js';
import { HANG_UP_WAIT_MS, LinkRefused, ServerEventReader, type CallLink, type LinkHandlers, type LinkTarget } from './call-link.js';
import { configQuery } from './config-attributes.js';
import type { WidgetErrorEvent } from './widget-errors.js';

/** The data channel design.md section 3b names; it carries the WebSocket's JSON both ways. */
const DATA_CHANNEL_LABEL = 'parley';
/** The server takes no trickled candidates: the offer waits this long at most for gathering to finish. */
const GATHER_TIMEOUT_MS = 3000;
/** From the answer to an open data channel; past it the peer connection counts as failed (UDP blocked, say). */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Refusals the WebSocket would give too (credentials, origin, limits, capacity, and a config
 * the server refuses): trying it instead would only repeat them. Every other failure of the
 * POST (404 from a server without WebRTC, a network error, an SDP it cannot use, a 5xx)
 * sends the widget to the WebSocket.
 */
const FINAL_STATUSES = new Set([401, 403, 429, 503]);

/** WebRTC is not to be had here: use the WebSocket instead. */
export class WebRtcUnavailable extends Error {}

/**
 * A session over WebRTC (design.md section 3b, WHIP's shape): the microphone track goes as
 * Opus on RTP, events come as JSON on the `parley` data channel. The offer is POSTed to
 * `/v1/webrtc` with every ICE candidate in it, the 201's SDP answer applied, and the
 * `Location` it names DELETEd when the call ends.
 */
export class WebRtcLink implements CallLink {
  readonly kind = 'webrtc';
  private ending = false;
  private readonly events = new ServerEventReader();
  private sessionEnded: (() => void) | undefined;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly channel: RTCDataChannel,
    private readonly resource: URL,
    private readonly handlers: LinkHandlers,
    early: MessageEvent[],
  ) {
    channel.onmessage = (message: MessageEvent) => this.onMessage(message);
    for (const message of early) this.onMessage(message);
    channel.onclose = () => this.onLost();
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.onLost();
    };
  }

  /**
   * Connects, or rejects with WebRtcUnavailable (use the WebSocket), LinkRefused (the
   * server said no for a reason the WebSocket shares) or the signal's abort reason.
   */
  static async open(target: LinkTarget, track: MediaStreamTrack, handlers: LinkHandlers, signal: AbortSignal): Promise<WebRtcLink> {
    if (typeof RTCPeerConnection === 'undefined') throw new WebRtcUnavailable('this browser has no RTCPeerConnection');
    const pc = new RTCPeerConnection();
    const aborted = () => pc.close();
    signal.addEventListener('abort', aborted);
    try {
      pc.addTransceiver(track, { direction: 'sendonly' });
      const channel = pc.createDataChannel(DATA_CHANNEL_LABEL);
      // The config went in the POST's query (refused there, before any negotiation, when
      // bad); `start` tells the server not to wait for more.
      channel.addEventListener('open', () => channel.send(JSON.stringify({ type: 'start' } satisfies ClientMessage)), { once: true });
      // The server may speak (`session.started`) before the link below exists: see `opened`.
      const early: MessageEvent[] = [];
      channel.onmessage = (message) => early.push(message);
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc);
      signal.throwIfAborted();
      const url = new URL(`v1/webrtc?${configQuery(target.config)}`, target.server);
      const answer = await post(url, pc.localDescription!.sdp, target.token, signal);
      const resource = new URL(answer.location, url);
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
        await opened(pc, channel, signal);
      } catch (error) {
        deleteResource(resource);
        throw signal.aborted ? signal.reason : new WebRtcUnavailable(`the peer connection did not come up: ${String(error)}`);
      }
      // Constructed only now, so that a connection that never came up is no "lost" call.
      return new WebRtcLink(pc, channel, resource, handlers, early);
    } catch (error) {
      pc.close();
      throw error;
    } finally {
      signal.removeEventListener('abort', aborted);
    }
  }

  send(message: ClientMessage): void {
    if (this.channel.readyState === 'open') this.channel.send(JSON.stringify(message));
  }

  /** Follows a microphone switch without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    await this.pc.getSenders()[0]?.replaceTrack(track);
  }

  async hangUp(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (this.channel.readyState === 'open' && !this.events.sessionEnded) {
      // Graceful, as 3b says: `stop`, the session's last events and `session.ended`, then DELETE.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, HANG_UP_WAIT_MS);
        this.sessionEnded = () => {
          clearTimeout(timer);
          resolve();
        };
        this.channel.send(JSON.stringify({ type: 'stop' } satisfies ClientMessage));
      });
    }
    this.close();
  }

  close(): void {
    this.ending = true;
    if (this.pc.signalingState === 'closed') return;
    this.pc.close();
    deleteResource(this.resource);
  }

  private onMessage(message: MessageEvent): void {
    const event = this.events.read(message.data);
    if (!event) return;
    this.handlers.onEvent(event);
    if (event.type === 'session.ended') this.sessionEnded?.();
  }

  private onLost(): void {
    if (this.ending) return;
    this.close();
    this.handlers.onEnd(this.events.end());
  }
}

/**
 * Ends the session at once (like a vanished client). The resource's unguessable id is the
 * capability, so no token goes with it (an expired one would not matter); `keepalive` lets
 * the request finish while the page unloads.
 */
function deleteResource(resource: URL): void {
  fetch(resource, { method: 'DELETE', keepalive: true }).catch(() => undefined);
}

async function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

async function post(url: URL, offer: string, token: string | undefined, signal: AbortSignal): Promise<{ sdp: string; location: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/sdp' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: offer, signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : new WebRtcUnavailable(`POST ${url.pathname} failed: ${String(error)}`);
  }
  const location = response.headers.get('location');
  if (response.status === 201 && location) return { sdp: await response.text(), location };
  const refusal = await refusalOf(response);
  if (FINAL_STATUSES.has(response.status) || refusal.code === 'bad_config') throw new LinkRefused(refusal);
  throw new WebRtcUnavailable(`POST ${url.pathname} answered ${response.status} ${refusal.code}`);
}

/** design.md 3b: a refusal's body is `{"code","message"}`; a 503's `Retry-After` is in seconds. */
async function refusalOf(response: Response): Promise<WidgetErrorEvent> {
  const body = (await response.json().catch(() => ({}))) as { code?: ErrorCode; message?: string };
  const retryAfter = Number(response.headers.get('retry-after'));
  return {
    type: 'error',
    code: body.code ?? (response.status === 401 ? 'unauthorized' : 'unavailable'),
    message: body.message ?? `the server refused the call (HTTP ${response.status})`,
    fatal: true,
    ...(retryAfter > 0 ? { retry_after_ms: retryAfter * 1000 } : {}),
  };
}

async function opened(pc: RTCPeerConnection, channel: RTCDataChannel, signal: AbortSignal): Promise<void> {
  // On loopback, ICE, DTLS and SCTP can all finish before setRemoteDescription's promise is
  // handled: the channel's `open` event (and the server's first messages) came already.
  if (channel.readyState === 'open') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out (ICE ${pc.iceConnectionState}, connection ${pc.connectionState})`)), CONNECT_TIMEOUT_MS);
    const settle = (error?: unknown) => {
      clearTimeout(timer);
      if (error === undefined) resolve();
      else reject(error);
    };
    channel.addEventListener('open', () => settle(), { once: true });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') settle(new Error('ICE/DTLS failed'));
    });
    signal.addEventListener('abort', () => settle(signal.reason), { once: true });
  });
}
