import { ParleyError } from '../../proto/errors.js';
import type { SessionConfig, SessionLimits } from '../../proto/session-config.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import type { ServerOptions } from '../config/server-options.js';
import { closeEngines } from '../engines.js';
import { ParleyMetrics } from '../metrics/parley-metrics.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { SessionRegistry } from './session-registry.js';
import { Session, type SessionEngines, type SessionSink } from './session.js';

/**
 * What every transport needs to serve sessions: auth, admission, defaults, the shared
 * engines and the scheduler. Transports convert bytes; the host owns everything else.
 */
export class SessionHost {
  readonly auth: ApiKeyAuth;
  readonly registry: SessionRegistry;
  readonly limits: SessionLimits;
  readonly scheduler: WorkScheduler;
  readonly metrics: ParleyMetrics;
  private engines: SessionEngines | null = null;

  constructor(readonly options: ServerOptions) {
    this.auth = new ApiKeyAuth(options.apiKeys);
    this.registry = new SessionRegistry(options.maxSessions);
    this.limits = {
      max_message_bytes: options.maxMessageBytes,
      max_buffered_audio_ms: options.maxBufferedAudioMs,
      idle_timeout_ms: options.idleTimeoutMs,
    };
    this.metrics = new ParleyMetrics(
      () => this.registry.activeSessions,
      () => this.scheduler.queued,
    );
    this.scheduler = new WorkScheduler({
      concurrency: options.schedulerConcurrency,
      urgentReserve: options.schedulerUrgentReserve,
      utilizationWindowMs: options.admissionWindowMs,
      observer: this.metrics,
    });
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

  /**
   * Lets a client in: checks its API key (`unauthorized`), then admits it (`admit`).
   * Every transport calls this before anything of the client reaches a pipeline.
   */
  admitClient(apiKey: string | undefined): () => void {
    if (!this.auth.allows(apiKey)) throw new ParleyError('unauthorized', 'a valid API key is required', true);
    return this.admit();
  }

  /**
   * Takes a session slot, or throws `capacity_exceeded` when the server is at
   * `maxSessions` or its scheduler is too busy to take one more without the admitted
   * sessions missing their budget. Call the returned function once to give the slot back.
   */
  private admit(): () => void {
    const utilization = this.scheduler.utilization;
    if (utilization > this.options.admissionMaxUtilization) {
      this.metrics.sessionRefused('load');
      throw new ParleyError(
        'capacity_exceeded',
        `the server is at capacity (model work ${Math.round(utilization * 100)}% busy); try again later`,
        true,
      );
    }
    try {
      return this.registry.admit();
    } catch (error) {
      this.metrics.sessionRefused('max_sessions');
      throw error;
    }
  }

  /** Opens an admitted session on the shared engines. */
  openSession(config: SessionConfig, sink: SessionSink): Session {
    if (!this.engines) throw new Error('openSession before the models are loaded');
    const { finalPassWaitMs, partialDeadlineMs, maxDecodeMs, preRollMs, recognizerTrailingSilenceMs, turnBudgetMs } = this.options;
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
      { limits: this.limits, finalPassWaitMs, partialDeadlineMs, maxDecodeMs, preRollMs, recognizerTrailingSilenceMs },
      { ...this.engines, scheduler: this.scheduler },
      observed,
    );
  }

  /** Rejects waiting model work, frees the engines' models and native handles. Idempotent. */
  async closeEngines(): Promise<void> {
    this.scheduler.close();
    const engines = this.engines;
    this.engines = null;
    if (engines) await closeEngines(engines);
  }
}
