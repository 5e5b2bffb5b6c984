import type { ClientMessage, ServerEvent, SessionEndReason } from '../../proto/messages.js';
import type { SessionConfigInput } from '../../proto/session-config.js';
import type { WidgetErrorEvent } from './widget-errors.js';

export type TransportKind = 'webrtc' | 'websocket';

/** How a link ended when the widget did not end it. */
export type LinkEnd =
  /** The server ended the session (`session.ended`), e.g. idle timeout or shutdown. */
  | { kind: 'ended'; reason: SessionEndReason }
  /** A fatal `error` event (or an HTTP refusal) came first: it names the cause. */
  | { kind: 'refused'; error: WidgetErrorEvent }
  /** The connection dropped without a word from the server. */
  | { kind: 'lost' };

export interface LinkHandlers {
  onEvent(event: ServerEvent): void;
  onEnd(end: LinkEnd): void;
}

/** Where and as whom a link connects. */
export interface LinkTarget {
  /** The server's base URL, e.g. https://voice.example.com/ (paths are resolved against it). */
  server: URL;
  /** A token from `POST /v1/tokens`, or an API key on a trusted page. */
  token: string | undefined;
  config: SessionConfigInput;
}

/** One session over one transport: the wire protocol's control messages in, events out. */
export interface CallLink {
  readonly kind: TransportKind;
  send(message: ClientMessage): void;
  /** Graceful end: `stop`, the session's last events and `session.ended` (bounded wait), then closes. */
  hangUp(): Promise<void>;
  /** Ends at once, without `stop`; idempotent. No handler is called after it. */
  close(): void;
}

/** How long a hang-up waits for the server's last events before it closes anyway. */
export const HANG_UP_WAIT_MS = 3000;

/** The link is refused for good (or retryably, as its error says): no point trying another transport. */
export class LinkRefused extends Error {
  constructor(readonly error: WidgetErrorEvent) {
    super(error.message);
  }
}
