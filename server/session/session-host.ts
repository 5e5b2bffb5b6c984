import type { SessionConfig, SessionLimits } from '../../proto/session-config.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import type { ServerOptions } from '../config/server-options.js';
import { closeEngines } from '../engines.js';
import { SessionRegistry } from './session-registry.js';
import { Session, type SessionEngines, type SessionSink } from './session.js';

/**
 * What every transport needs to serve sessions: auth, admission, defaults and the shared
 * engines. Transports convert bytes; the host owns everything else.
 */
export class SessionHost {
  readonly auth: ApiKeyAuth;
  readonly registry: SessionRegistry;
  readonly limits: SessionLimits;
  private engines: SessionEngines | null = null;

  constructor(readonly options: ServerOptions) {
    this.auth = new ApiKeyAuth(options.apiKeys);
    this.registry = new SessionRegistry(options.maxSessions);
    this.limits = {
      max_message_bytes: options.maxMessageBytes,
      max_buffered_audio_ms: options.maxBufferedAudioMs,
      idle_timeout_ms: options.idleTimeoutMs,
    };
  }

  get sessionDefaults(): SessionConfig {
    return this.options.sessionDefaults;
  }

  /** True once the models are loaded. */
  get ready(): boolean {
    return this.engines !== null;
  }

  attachEngines(engines: SessionEngines): void {
    this.engines = engines;
  }

  /** Frees the engines' models and native handles. Idempotent. */
  async closeEngines(): Promise<void> {
    const engines = this.engines;
    this.engines = null;
    if (engines) await closeEngines(engines);
  }

  /** Opens a session on the shared engines; the caller has admitted it through `registry`. */
  openSession(config: SessionConfig, sink: SessionSink): Session {
    if (!this.engines) throw new Error('openSession before the models are loaded');
    const { finalPassWaitMs, preRollMs } = this.options;
    return new Session(config, { limits: this.limits, finalPassWaitMs, preRollMs }, this.engines, sink);
  }
}
