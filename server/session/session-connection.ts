import { ParleyError, type ErrorCode } from '../../proto/errors.js';
import type { ClientMessage, ServerEvent, SessionEndReason } from '../../proto/messages.js';
import type { SessionConfig } from '../../proto/session-config.js';
import type { Logger } from '../logging/logger.js';
import { parseClientMessage } from '../protocol/client-message-parser.js';
import type { ConnectionEnding, ConnectionTransport } from './connection-transport.js';
import { applyConfigLayer, validateSessionConfig } from './session-config-resolver.js';
import type { SessionHost } from './session-host.js';
import type { Session } from './session.js';

export interface ConnectionRequest {
  /** API key or token the client presented, if any. */
  credential: string | undefined;
  /** The client's network address, for per-address limits and logs. */
  address: string;
  /** Session config from the transport's query string; checked at once, before any message. */
  queryConfig: Record<string, unknown>;
  /**
   * `any_message`: the first message of any kind starts the session with the query config
   * (WebSocket, WebRTC data channel). `start_message`: the first message must carry the config
   * (gRPC's `config` request).
   */
  startsOn: 'any_message' | 'start_message';
}

type Phase = 'pending' | 'active' | 'ended';

/** Codes whose text may come from a library or the runtime: clients get a fixed message instead. */
const INTERNAL_CODES: ReadonlySet<ErrorCode> = new Set(['internal', 'engine_failure']);

/**
 * One client connection on any transport, from the moment it is accepted to its last byte
 * (design.md section 1): auth, the pending-connection cap and start timeout, config resolution,
 * admission, idle and duration timers, outbound buffer limits, fatal errors and drain. The
 * transport only converts bytes and sends, pauses, resumes and closes.
 */
export class SessionConnection {
  private phase: Phase = 'pending';
  private session: Session | null = null;
  private baseConfig: SessionConfig | null = null;
  private keyId: string | undefined;
  private releasePending: (() => void) | null = null;
  private releaseSession: (() => void) | null = null;
  private startTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private fatal: ParleyError | null = null;
  private slowConsumer = false;
  private readonly errorCodes = new Set<ErrorCode>();
  private droppedPartials = 0;
  private readonly openedAt = performance.now();
  private sessionStartedAt = 0;
  private log: Logger;
  private resolveEnded!: () => void;
  /** Resolves once the transport has been closed. */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  constructor(
    private readonly host: SessionHost,
    private readonly transport: ConnectionTransport,
    private readonly request: ConnectionRequest,
  ) {
    this.log = host.log.child({ transport: transport.kind, address: request.address });
    host.connectionOpened(this);
    try {
      host.checkAccepting();
      this.keyId = host.authenticate(request.credential);
      this.releasePending = host.registry.takePending();
      this.baseConfig = validateSessionConfig(applyConfigLayer(host.sessionDefaults, request.queryConfig));
    } catch (error) {
      this.refuse(error);
      return;
    }
    this.startTimer = setTimeout(
      () => this.refuse(new ParleyError('start_timeout', `no session was started within ${host.options.startTimeoutMs} ms of connecting`, true)),
      host.options.startTimeoutMs,
    );
  }

  /** A text message (WebSocket text frame, data channel message). */
  onText(text: string): void {
    this.guard(() => this.onMessage(parseClientMessage(text)));
  }

  /** A parsed control message; `start` carries a config layer. */
  onMessage(message: ClientMessage): void {
    this.guard(() => {
      if (message.type === 'start') {
        this.onStart(withoutType(message));
        return;
      }
      const session = this.sessionForInput(message.type);
      if (!session) return;
      this.touch();
      switch (message.type) {
        case 'finalize':
          session.finalize();
          return;
        case 'stop':
          void session.stop();
          return;
        case 'keepalive':
          return;
      }
    });
  }

  /** The session config (WebSocket `start`, gRPC `config`); only before the session starts. */
  onStart(layer: Record<string, unknown>): void {
    this.guard(() => {
      if (this.phase === 'ended') return;
      if (this.session) throw new ParleyError('bad_message', 'the session config is only accepted as the first message');
      this.start(layer);
    });
  }

  onAudio(bytes: Uint8Array): void {
    this.guard(() => {
      const session = this.sessionForInput('audio');
      if (!session) return;
      this.touch();
      if (!session.pushAudio(bytes)) this.transport.pause();
    });
  }

  /** The client said it sends nothing more (gRPC half-close): as `stop`. */
  onEndOfInput(): void {
    this.guard(() => {
      if (this.phase === 'ended') return;
      if (!this.session) throw new ParleyError('bad_config', 'the input ended before the session config', true);
      void this.session.stop();
    });
  }

  /** The transport refused something of the client's own (e.g. a message over the size limit). */
  onClientError(error: ParleyError): void {
    this.report(error);
  }

  /** The client vanished: everything it held is released now. */
  onGone(): void {
    if (this.phase === 'ended') return;
    if (this.session) this.session.close('client_gone');
    else this.finish({ kind: 'gone' });
  }

  /**
   * Drain: the open turn ends with `turn.end`, the session with `session.ended`
   * (`server_shutdown`); resolves once the client has been told and the wire is closed.
   */
  async shutdown(): Promise<void> {
    if (this.phase === 'pending') this.finish({ kind: 'shutdown' });
    else if (this.session) await this.session.shutdown();
    await this.ended;
    await this.transport.closed;
  }

  /** Ends at once, whatever is open: the drain deadline passed. */
  forceClose(): void {
    if (this.session) this.session.close('server_shutdown');
    else this.finish({ kind: 'shutdown' });
  }

  private start(layer: Record<string, unknown>): void {
    const config = validateSessionConfig(applyConfigLayer(this.baseConfig!, layer));
    this.releaseSession = this.host.admitSession({ keyId: this.keyId, address: this.request.address }, config.channels);
    this.releasePending?.();
    this.releasePending = null;
    clearTimeout(this.startTimer);
    this.phase = 'active';
    this.sessionStartedAt = performance.now();
    this.session = this.host.openSession(config, {
      event: (event) => this.send(event),
      drain: () => this.transport.resume(),
      ended: (reason) => this.onSessionEnded(reason),
    });
    this.log = this.log.child({ session_id: this.session.id });
    this.log.info({ event: 'session_start', key_id: this.keyId, config, recognizer: this.session.recognizer }, 'session started');
    this.touch();
    const { maxSessionMs } = this.host.options;
    if (maxSessionMs > 0) this.durationTimer = setTimeout(() => void this.session?.shutdown('max_duration'), maxSessionMs);
  }

  /** The session input goes to, started by this message if the transport allows it. */
  private sessionForInput(what: string): Session | null {
    if (this.phase === 'ended') return null;
    if (this.session) return this.session;
    if (this.request.startsOn === 'start_message') {
      throw new ParleyError('bad_config', `the first request must be "config" (the session config), not ${what}`, true);
    }
    this.start({});
    return this.session;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.session?.close('idle_timeout'), this.host.options.idleTimeoutMs);
  }

  private guard(input: () => void): void {
    try {
      input();
    } catch (error) {
      this.report(error);
    }
  }

  /** Over the soft limit partials are dropped; over the hard limit the session ends. Turn events are never dropped. */
  private send(event: ServerEvent): void {
    if (this.phase === 'ended') return;
    const { outboundSoftLimitBytes, outboundHardLimitBytes } = this.host.options;
    if (event.type === 'transcript.partial' && this.transport.bufferedBytes > outboundSoftLimitBytes) {
      this.droppedPartials++;
      this.host.metrics.partialDropped();
      return;
    }
    this.transport.send(this.forClient(event));
    if (event.type === 'turn.end' && this.host.options.logTranscripts) {
      this.log.info({ event: 'turn_end', channel: event.channel, turn_id: event.turn_id, reason: event.reason, text: event.text }, 'turn ended');
    }
    if (!this.slowConsumer && this.transport.bufferedBytes > outboundHardLimitBytes) {
      this.slowConsumer = true;
      this.report(
        new ParleyError('slow_consumer', `the client left more than ${outboundHardLimitBytes} bytes of events unread`, true),
      );
    }
  }

  /** Records error codes; internal detail goes to the log, never to the client. */
  private forClient<E extends ServerEvent>(event: E): E {
    if (event.type !== 'error') return event;
    const error = event as Extract<ServerEvent, { type: 'error' }>;
    this.errorCodes.add(error.code);
    if (!INTERNAL_CODES.has(error.code)) {
      if (error.fatal) this.fatal ??= new ParleyError(error.code, error.message, true, error.retry_after_ms);
      return event;
    }
    this.log.error({ event: 'session_error', code: error.code, detail: error.message }, 'internal error');
    const safe = { ...error, message: clientMessageFor(error.code) };
    if (safe.fatal) this.fatal ??= new ParleyError(safe.code, safe.message, true);
    return safe as E;
  }

  /** A ParleyError reaches the client as is (unless internal); anything else is an internal error. */
  private report(error: unknown): void {
    if (this.phase === 'ended') return;
    const parley = error instanceof ParleyError ? error : new ParleyError('internal', detailOf(error), true);
    if (!this.session) {
      this.refuse(parley);
      return;
    }
    this.send({ type: 'error', code: parley.code, message: parley.message, fatal: parley.fatal });
    if (parley.fatal) this.session.close('error');
  }

  /** Ends a connection that has no session with a fatal error. */
  private refuse(error: unknown): void {
    if (this.phase === 'ended') return;
    const parley = error instanceof ParleyError ? error : new ParleyError('internal', detailOf(error), true);
    const event: Extract<ServerEvent, { type: 'error' }> = { type: 'error', code: parley.code, message: parley.message, fatal: true };
    if (parley.retryAfterMs !== undefined) event.retry_after_ms = parley.retryAfterMs;
    const announced = this.forClient(event);
    if (this.transport.announcesRefusals) this.transport.send(announced);
    this.host.metrics.sessionRefused(parley.code);
    this.log.info({ event: 'refused', code: parley.code, key_id: this.keyId }, 'connection refused');
    this.finish({ kind: 'failed', error: new ParleyError(announced.code, announced.message, true, parley.retryAfterMs) });
  }

  private onSessionEnded(reason: SessionEndReason): void {
    const stats = this.session?.stats;
    this.log.info(
      {
        event: 'session_end',
        reason,
        duration_ms: Math.round(performance.now() - this.sessionStartedAt),
        turns: stats?.channels.reduce((sum, c) => sum + c.turns, 0),
        audio_ms: stats?.channels.reduce((sum, c) => sum + c.audio_ms, 0),
        error_codes: [...this.errorCodes],
        dropped_partials: this.droppedPartials,
      },
      'session ended',
    );
    this.finish(endingFor(reason, this.fatal));
  }

  private finish(ending: ConnectionEnding): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    clearTimeout(this.startTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.durationTimer);
    this.releasePending?.();
    this.releaseSession?.();
    this.releasePending = this.releaseSession = null;
    this.host.connectionClosed(this);
    if (ending.kind === 'gone' && !this.session) this.log.debug({ event: 'gone', open_ms: Math.round(performance.now() - this.openedAt) }, 'client left before a session');
    this.transport.close(ending);
    this.resolveEnded();
  }
}

function endingFor(reason: SessionEndReason, fatal: ParleyError | null): ConnectionEnding {
  switch (reason) {
    case 'client_gone':
      return { kind: 'gone' };
    case 'server_shutdown':
      return { kind: 'shutdown' };
    case 'error':
      return { kind: 'failed', error: fatal ?? new ParleyError('internal', 'the session failed', true) };
    case 'stop':
    case 'idle_timeout':
    case 'max_duration':
      return { kind: 'normal' };
  }
}

function clientMessageFor(code: ErrorCode): string {
  return code === 'engine_failure'
    ? 'a recognition engine failed; the session cannot go on (it was logged on the server)'
    : 'internal server error (it was logged on the server)';
}

function detailOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function withoutType(message: ClientMessage): Record<string, unknown> {
  const { type: _type, ...rest } = message as unknown as Record<string, unknown>;
  return rest;
}
