import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelBatchObserver } from '../../models/batching/model-batcher.js';
import type { SchedulerObserver } from '../scheduler/work-scheduler.js';
import type { WorkClass } from '../scheduler/work-class.js';

const LATENCY_BUCKETS = [0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
const WORK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface MetricsSources {
  activeSessions(): number;
  pendingConnections(): number;
  queuedWork(): number;
  admission(): { capacityCores: number; channelCostCores: number; reservedCores: number; reservedChannels: number };
}

/** The server's Prometheus metrics, on a registry of its own (several servers may share a process). */
export class ParleyMetrics implements SchedulerObserver, ModelBatchObserver {
  readonly registry = new Registry();
  private readonly turnLatency: Histogram<'event'>;
  private readonly budgetMisses: Counter;
  private readonly queueWait: Histogram<'class'>;
  private readonly serviceTime: Histogram<'class'>;
  private readonly deadlineMisses: Counter<'class'>;
  private readonly refused: Counter<'code'>;
  private readonly droppedPartials: Counter;
  private readonly engineRestarts: Counter<'engine'>;
  private readonly batchSize: Histogram<'model'>;
  private readonly batchQueueWait: Histogram<'model'>;
  private readonly batchService: Histogram<'model'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    // Process and runtime health beside Parley's own: RSS, descriptors, event-loop lag, GC.
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'parley_active_sessions', help: 'Sessions being served', registers, collect() {
      this.set(sources.activeSessions());
    } });
    new Gauge({ name: 'parley_pending_connections', help: 'Connections that have not started a session yet', registers, collect() {
      this.set(sources.pendingConnections());
    } });
    const admissionGauges: Array<[string, string, 'capacityCores' | 'channelCostCores' | 'reservedCores' | 'reservedChannels']> = [
      ['parley_admission_capacity_cores', 'Model compute that admitted sessions may reserve, in cores', 'capacityCores'],
      ['parley_admission_channel_cost_cores', 'Estimated cost of one channel, in cores (measured, smoothed)', 'channelCostCores'],
      ['parley_admission_reserved_cores', 'Cores reserved by the admitted sessions', 'reservedCores'],
      ['parley_admission_reserved_channels', 'Channels of the admitted sessions', 'reservedChannels'],
    ];
    for (const [name, help, field] of admissionGauges) {
      new Gauge({ name, help, registers, collect() {
        this.set(sources.admission()[field]);
      } });
    }
    new Gauge({ name: 'parley_scheduler_queued_work', help: 'Model work items waiting for a slot', registers, collect() {
      this.set(sources.queuedWork());
    } });
    this.turnLatency = new Histogram({
      name: 'parley_turn_latency_seconds',
      help: 'Perceived turn latency (design.md section 4): event sent minus arrival of the audio at the speech end',
      labelNames: ['event'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.budgetMisses = new Counter({ name: 'parley_turn_budget_misses_total', help: 'turn.eager_end sent later than the turn budget', registers });
    this.queueWait = new Histogram({ name: 'parley_scheduler_queue_wait_seconds', help: 'Time model work waited for a slot', labelNames: ['class'], buckets: WORK_BUCKETS, registers });
    this.serviceTime = new Histogram({ name: 'parley_scheduler_service_seconds', help: 'Time model work ran', labelNames: ['class'], buckets: WORK_BUCKETS, registers });
    this.deadlineMisses = new Counter({ name: 'parley_scheduler_deadline_misses_total', help: 'Model work finished after its deadline', labelNames: ['class'], registers });
    this.refused = new Counter({ name: 'parley_sessions_refused_total', help: 'Connections refused before a session started, by error code', labelNames: ['code'], registers });
    this.droppedPartials = new Counter({ name: 'parley_partials_dropped_total', help: 'transcript.partial events not sent because the client was not reading', registers });
    this.batchSize = new Histogram({ name: 'parley_model_batch_size', help: 'Streams in one model batch the scheduler formed', labelNames: ['model'], buckets: BATCH_BUCKETS, registers });
    this.batchQueueWait = new Histogram({ name: 'parley_model_queue_wait_seconds', help: 'Time a request waited for its model batch to start', labelNames: ['model'], buckets: WORK_BUCKETS, registers });
    this.batchService = new Histogram({ name: 'parley_model_service_seconds', help: 'Time one model batch ran', labelNames: ['model'], buckets: WORK_BUCKETS, registers });
    this.engineRestarts = new Counter({ name: 'parley_engine_restarts_total', help: 'Engine workers restarted after a failure', labelNames: ['engine'], registers });
  }

  started(workClass: WorkClass, queueWaitMs: number): void {
    this.queueWait.observe({ class: workClass }, queueWaitMs / 1000);
  }

  finished(workClass: WorkClass, serviceMs: number, missedDeadline: boolean): void {
    this.serviceTime.observe({ class: workClass }, serviceMs / 1000);
    if (missedDeadline) this.deadlineMisses.inc({ class: workClass });
  }

  /** One batch a model batcher ran (ModelBatchObserver). */
  batch(model: string, size: number, queueWaitsMs: readonly number[], serviceMs: number): void {
    this.batchSize.observe({ model }, size);
    for (const waitMs of queueWaitsMs) this.batchQueueWait.observe({ model }, waitMs / 1000);
    this.batchService.observe({ model }, serviceMs / 1000);
  }

  turnEvent(event: 'eager_end' | 'end', latencyMs: number, overBudget: boolean): void {
    this.turnLatency.observe({ event }, latencyMs / 1000);
    if (overBudget) this.budgetMisses.inc();
  }

  sessionRefused(code: string): void {
    this.refused.inc({ code });
  }

  partialDropped(): void {
    this.droppedPartials.inc();
  }

  /** Peer connections the WebRTC endpoint holds (negotiating or in a session), read at each scrape. */
  observeWebrtcPeers(peers: () => number): void {
    new Gauge({ name: 'parley_webrtc_peers', help: 'WebRTC peer connections held, negotiating or in a session', registers: [this.registry], collect() {
      this.set(peers());
    } });
  }

  engineRestarted(engine: string): void {
    this.engineRestarts.inc({ engine });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
