import { status, type Metadata, type ServerDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { ParleyError } from '../../proto/errors.js';
import { configFromWire, eventToResponse, type DecodedVoiceRequest, type VoiceResponse } from '../../proto/grpc-messages.js';
import type { ServerEvent, SessionEndReason } from '../../proto/messages.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import { applyConfigLayer, validateSessionConfig } from '../session/session-config-resolver.js';
import type { SessionHost } from '../session/session-host.js';
import type { Session, SessionSink } from '../session/session.js';
import { errorCodeMetadata, statusForError } from './grpc-status.js';

export type VoiceCall = ServerDuplexStream<DecodedVoiceRequest, VoiceResponse>;

type CallStatus = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata };

/**
 * One `StreamingRecognize` call: requests to session input, events to responses, the
 * session's end to the call's status. The gRPC counterpart of WsConnection.
 */
export class GrpcCall {
  private session: Session | null = null;
  private releaseSlot: (() => void) | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private fatal: ParleyError | null = null;
  private finished = false;

  constructor(
    private readonly call: VoiceCall,
    private readonly host: SessionHost,
    private readonly onDone: (call: GrpcCall) => void,
  ) {
    // grpc-js emits 'cancelled' for a client cancel, a passed deadline and a dropped
    // connection alike (and after our own status, when it is a no-op).
    call.on('cancelled', () => this.onGone());
    if (!host.ready) {
      this.finish({ code: status.UNAVAILABLE, details: 'the models are still loading' });
      return;
    }
    const key = ApiKeyAuth.bearer(call.metadata.get('authorization')[0]?.toString());
    try {
      this.releaseSlot = host.admitClient(key);
    } catch (error) {
      this.refuse(error as ParleyError);
      return;
    }
    call.on('data', (request: DecodedVoiceRequest) => this.onRequest(request));
    call.on('end', () => this.onHalfClose());
    this.armIdleTimer();
  }

  /** The call has its status, or is gone; `onDone` has run (possibly inside the constructor). */
  get done(): boolean {
    return this.finished;
  }

  /** Ends the session for a server shutdown; the call then ends with UNAVAILABLE. */
  shutdown(): void {
    if (this.session) this.session.close('server_shutdown');
    else this.finish({ code: status.UNAVAILABLE, details: 'the server is shutting down' });
  }

  private onRequest(request: DecodedVoiceRequest): void {
    if (this.finished) return;
    this.armIdleTimer();
    try {
      if (!this.session) {
        this.session = this.open(request);
        return;
      }
      switch (request.request) {
        case 'audio':
          if (!this.session.pushAudio(request.audio!)) this.call.pause();
          return;
        case 'finalize':
          this.session.finalize();
          return;
        case 'stop':
          void this.session.stop();
          return;
        case 'keepalive':
          return;
        case 'config':
          throw new ParleyError('bad_message', '"config" is only accepted as the first request');
        default:
          throw new ParleyError('bad_message', 'a request must set one of config, audio, finalize, stop, keepalive');
      }
    } catch (error) {
      this.report(error);
    }
  }

  /** The same config rules as the WebSocket's; only the first request may (and must) carry it. */
  private open(request: DecodedVoiceRequest): Session {
    if (request.request !== 'config') {
      throw new ParleyError('bad_config', `the first request must be "config", not ${request.request ?? 'an empty request'}`, true);
    }
    const layer = configFromWire(request.config as Record<string, unknown>);
    const config = validateSessionConfig(applyConfigLayer(this.host.sessionDefaults, layer));
    return this.host.openSession(config, this.sink());
  }

  /** A half-close means no more audio, as `stop` does. */
  private onHalfClose(): void {
    if (this.finished) return;
    if (this.session) void this.session.stop();
    else this.refuse(new ParleyError('bad_config', 'the call ended before its "config" request', true));
  }

  private sink(): SessionSink {
    return {
      event: (event) => this.send(event),
      drain: () => this.call.resume(),
      ended: (reason) => this.onSessionEnded(reason),
    };
  }

  private send(event: ServerEvent): void {
    if (event.type === 'error' && event.fatal) this.fatal ??= new ParleyError(event.code, event.message, true);
    if (!this.finished && !this.call.cancelled) this.call.write(eventToResponse(event));
  }

  private onSessionEnded(reason: SessionEndReason): void {
    this.release();
    switch (reason) {
      case 'client_gone':
        return;
      case 'stop':
      case 'idle_timeout':
        this.finish({ code: status.OK, details: 'OK' });
        return;
      case 'server_shutdown':
        this.finish({ code: status.UNAVAILABLE, details: 'the server is shutting down' });
        return;
      case 'error': {
        const fatal = this.fatal ?? new ParleyError('internal', 'the session failed', true);
        this.finish({ code: statusForError(fatal.code), details: fatal.message, metadata: errorCodeMetadata(fatal.code) });
        return;
      }
    }
  }

  /** A non-fatal ParleyError is an `error` event; a fatal one ends the session and the call. */
  private report(error: unknown): void {
    const parley = error instanceof ParleyError ? error : new ParleyError('internal', String(error), true);
    if (parley.fatal && !this.session) {
      this.refuse(parley);
      return;
    }
    this.send({ type: 'error', code: parley.code, message: parley.message, fatal: parley.fatal });
    if (parley.fatal) this.session!.close('error');
  }

  /** Ends a call that has no session with the status of a fatal error. */
  private refuse(error: ParleyError): void {
    this.release();
    this.finish({ code: statusForError(error.code), details: error.message, metadata: errorCodeMetadata(error.code) });
  }

  private finish(callStatus: CallStatus): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.idleTimer);
    this.onDone(this);
    if (this.call.cancelled) return;
    if (callStatus.code === status.OK) this.call.end();
    // grpc-js's way to end a streaming call with a non-OK status.
    else this.call.emit('error', callStatus);
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.session) this.session.close('idle_timeout');
      else this.refuse(new ParleyError('bad_config', `no "config" request within ${this.host.options.idleTimeoutMs} ms`, true));
    }, this.host.options.idleTimeoutMs);
  }

  private onGone(): void {
    this.session?.close('client_gone');
    this.release();
    if (this.finished) return;
    this.finished = true;
    this.onDone(this);
  }

  private release(): void {
    clearTimeout(this.idleTimer);
    this.releaseSlot?.();
    this.releaseSlot = null;
  }
}
