import { ParleyError } from '../../proto/errors.js';
import type { ExecutionProvider } from '../../models/onnx/onnx-session-factory.js';
import type { SessionConfig, SessionLimits } from '../../proto/session-config.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import { BrowserTokens } from '../auth/browser-tokens.js';
import { CapacityAdmission } from '../admission/capacity-admission.js';
import type { ServerOptions } from '../config/server-options.js';
import { OriginPolicy } from '../http/origin-policy.js';
import type { Logger } from '../logging/logger.js';
import { ParleyMetrics } from '../metrics/parley-metrics.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import type { SessionConnection } from './session-connection.js';
import { SessionRegistry, type SessionOwner } from './session-registry.js';
import { Session, type SessionEngines, type SessionSink } from './session.js';

/** What the host needs of the loaded engines beyond what sessions use. */
export interface HostedEngines extends SessionEngines {
  /** False while an engine cannot serve (a crashed worker being restarted). */
  readonly healthy: boolean;
  /** Where the recognizer's model runs (after any CUDA fallback); null for PocketSphinx. */
  readonly executionProvider: ExecutionProvider | null;
  close(): Promise<void>;
}

/**
 * What every connection needs to serve sessions: auth, limits, admission, defaults, the
 * shared engines and the scheduler, and the set of open connections for drain.
 */
export class SessionHost {
  readonly auth: ApiKeyAuth;
  readonly tokens: BrowserTokens;
  readonly origins: OriginPolicy;
  readonly registry: SessionRegistry;
  readonly limits: SessionLimits;
  readonly scheduler: WorkScheduler;
  readonly metrics: ParleyMetrics;
  readonly admission: CapacityAdmission;
  private engines: HostedEngines | null = null;
  private readonly connections = new Set<SessionConnection>();
  private draining = false;

  constructor(
    readonly options: ServerOptions,
    readonly log: Logger,
  ) {
    this.auth = new ApiKeyAuth(options.apiKeys);
    this.tokens = new BrowserTokens(options.tokenSecret, options.tokenTtlMs);
    this.origins = new OriginPolicy(options.allowedOrigins);
    this.registry = new SessionRegistry(options);
    this.limits = {
      max_message_bytes: options.maxMessageBytes,
      max_buffered_audio_ms: options.maxBufferedAudioMs,
      idle_timeout_ms: options.idleTimeoutMs,
      max_turn_ms: options.maxTurnMs,
      max_session_ms: options.maxSessionMs,
      max_partial_words: options.maxPartialWords,
    };
    this.admission = new CapacityAdmission({
      concurrency: options.schedulerConcurrency,
      maxUtilization: options.admissionMaxUtilization,
      channelCostCores: options.admissionChannelCost,
      retryAfterMs: options.retryAfterMs,
      utilization: () => this.scheduler.utilization,
    });
    this.metrics = new ParleyMetrics({
      activeSessions: () => this.registry.activeSessions,
      pendingConnections: () => this.registry.pendingConnections,
      queuedWork: () => this.scheduler.queued,
      admission: () => this.admission,
    });
    const metrics = this.metrics;
    const admission = this.admission;
    this.scheduler = new WorkScheduler({
      concurrency: options.schedulerConcurrency,
      urgentReserve: options.schedulerUrgentReserve,
      utilizationWindowMs: options.admissionWindowMs,
      // The VAD runs on its own worker thread and a pause's end-of-turn features take a few ms
      // on the event loop: decodes holding every slot must not delay either.
      ownThreadClasses: ['vad', 'turn'],
      observer: {
        started: (workClass, queueWaitMs) => metrics.started(workClass, queueWaitMs),
        finished: (workClass, serviceMs, missed) => {
          metrics.finished(workClass, serviceMs, missed);
          admission.recordWork(serviceMs);
        },
      },
    });
  }

  get sessionDefaults(): SessionConfig {
    return this.options.sessionDefaults;
  }

  /** True once the models are loaded. */
  get ready(): boolean {
    return this.engines !== null;
  }

  /** Readiness: models loaded, every engine serving, not draining. */
  get serving(): boolean {
    return this.engines !== null && this.engines.healthy && !this.draining;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  attachEngines(engines: HostedEngines): void {
    this.engines = engines;
  }

  /** Throws `unavailable` while the models load or the server drains. */
  checkAccepting(): void {
    if (this.draining) throw new ParleyError('unavailable', 'the server is shutting down; connect to another instance', true, this.options.retryAfterMs);
    if (!this.engines) throw new ParleyError('unavailable', 'the server is still loading its models; try again shortly', true, this.options.retryAfterMs);
  }

  /**
   * The key id a credential stands for (absent when auth is off), or `unauthorized`. A
   * credential is an API key or a browser token from `POST /v1/tokens` (its key's limits apply).
   */
  authenticate(credential: string | undefined): string | undefined {
    if (credential !== undefined && BrowserTokens.looksLikeToken(credential)) {
      const keyId = this.tokens.verify(credential);
      if (keyId === undefined) throw new ParleyError('unauthorized', 'the token is invalid or has expired; get a new one', true);
      return keyId ?? undefined;
    }
    if (!this.auth.allows(credential)) throw new ParleyError('unauthorized', 'a valid API key or token is required', true);
    return this.auth.enabled ? ApiKeyAuth.keyId(credential!) : undefined;
  }

  /**
   * Takes a session slot for `owner` (total, per key, per address) and reserves the
   * estimated cost of its channels, or throws `capacity_exceeded` / `limit_exceeded` with a
   * retry hint. Call the returned function once to give both back.
   */
  admitSession(owner: SessionOwner, channels: number): () => void {
    const releaseSlot = this.registry.takeSession(owner);
    try {
      const ticket = this.admission.reserve(channels);
      return () => {
        ticket.release();
        releaseSlot();
      };
    } catch (error) {
      releaseSlot();
      throw error;
    }
  }

  /** Opens an admitted session on the shared engines. */
  openSession(config: SessionConfig, sink: SessionSink): Session {
    if (!this.engines) throw new ParleyError('unavailable', 'the server is still loading its models', true);
    const { finalPassWaitMs, partialDeadlineMs, maxDecodeMs, preRollMs, recognizerTrailingSilenceMs, endOfTurnDeadlineMs, endOfTurnMinIntervalMs, turnBudgetMs } =
      this.options;
    const observed: SessionSink = {
      ...sink,
      event: (event) => {
        if (event.type === 'turn.eager_end') this.metrics.turnEvent('eager_end', event.latency_ms, event.latency_ms > turnBudgetMs);
        else if (event.type === 'turn.end') this.metrics.turnEvent('end', event.latency_ms, false);
        sink.event(event);
      },
    };
    return new Session(
      config,
      { limits: this.limits, finalPassWaitMs, partialDeadlineMs, maxDecodeMs, preRollMs, recognizerTrailingSilenceMs, endOfTurnDeadlineMs, endOfTurnMinIntervalMs },
      { vad: this.engines.vad, asr: this.engines.asr, pitch: this.engines.pitch, recognizer: this.engines.recognizer, scheduler: this.scheduler },
      observed,
    );
  }

  connectionOpened(connection: SessionConnection): void {
    this.connections.add(connection);
  }

  connectionClosed(connection: SessionConnection): void {
    this.connections.delete(connection);
  }

  /**
   * Graceful drain (design.md section 10): readiness goes false and new connections are
   * refused; open turns end with `turn.end` and sessions with `session.ended`
   * (`server_shutdown`); whatever is still open after `drainMs` is cut off. Idempotent.
   */
  async drain(): Promise<void> {
    this.draining = true;
    const open = [...this.connections];
    if (open.length === 0) return;
    this.log.info({ event: 'drain', connections: open.length, drain_ms: this.options.drainMs }, 'draining');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.drainMs)));
    await Promise.race([Promise.all(open.map((c) => c.shutdown())), deadline]);
    clearTimeout(timer);
    for (const connection of [...this.connections]) connection.forceClose();
  }

  /** Rejects waiting model work, frees the engines' models and native handles. Idempotent. */
  async closeEngines(): Promise<void> {
    this.scheduler.close();
    const engines = this.engines;
    this.engines = null;
    if (engines) await engines.close();
  }
}
