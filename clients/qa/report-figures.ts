import type { CallReport, ChannelReport, LatencyReport, Percentiles, ReportRun, ReportSummary, WerCounts } from './qa-report.js';

/**
 * The report's figures as plain text cells, shared by the Markdown and the HTML report so
 * both say the same thing in the same words; each renderer only escapes and lays them out.
 */

export interface ReportRenderOptions {
  /** Rows of the worst-calls table; default 10. Every call still gets its own section. */
  worstCalls?: number;
}
export const DEFAULT_WORST_CALLS = 10;

/** Shown where a figure has no value (no samples, no reference). */
export const NONE = '—';

export function formatShare(share: number | null): string {
  return share === null ? NONE : `${(share * 100).toFixed(1)} %`;
}

export function formatMs(ms: number | null): string {
  return ms === null ? NONE : String(Math.round(ms));
}

/** Hours, or minutes under an hour (a short test run is not "0.01 h"). */
export function formatHours(hours: number): string {
  return Math.abs(hours) >= 1 ? `${hours.toFixed(2)} h` : `${(hours * 60).toFixed(1)} min`;
}

export function formatWer(wer: WerCounts | null): string {
  if (wer === null || wer.wer === null) return NONE;
  return `${formatShare(wer.wer)} (S ${wer.substitutions}, D ${wer.deletions}, I ${wer.insertions}; ${wer.reference_words} words)`;
}

/** `code ×n` by count, most first; "none" for an empty record. */
export function formatTally(tally: Record<string, number>): string {
  const entries = Object.entries(tally).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ×${n}`).join(', ');
}

export function describeRun(run: ReportRun): string {
  const speed = run.speed === 0 ? 'as fast as the server reads' : `${run.speed}× real time`;
  return `${run.transport} ${run.target} · ${speed} · concurrency ${run.concurrency} · ${run.chunk_ms} ms chunks`;
}

export function describeCall(call: CallReport): string {
  const facts = [call.audio, `${(call.audio_ms / 1000).toFixed(1)} s`, `closed ${call.close.label}${call.close.ok ? '' : ' (not ok)'}`];
  if (call.session_id !== null) facts.push(`session ${call.session_id}`);
  return facts.join(' · ');
}

export function describeChannel(channel: ChannelReport): string {
  const expected = channel.expected_turns === null ? '' : ` of ${channel.expected_turns}`;
  const matched = channel.turns_matched === null ? '' : `, ${channel.turns_matched} true ends found, ${channel.cut_offs} cut-offs`;
  const perTurn = channel.false_eager_ends_per_turn === null ? '' : ` (${channel.false_eager_ends_per_turn.toFixed(2)} per turn)`;
  return [
    `WER ${formatWer(channel.wer)}`,
    `turns ${channel.turns}${expected}${matched}`,
    `eager ends ${channel.eager_ends}, resumed ${channel.resumed}${perTurn}`,
    `flicker ${formatShare(channel.flicker)}`,
    `corrections ${channel.corrections}`,
  ].join(' · ');
}

export const WORST_CALL_HEADER = ['#', 'call', 'WER', 'S / D / I', 'final p95 (ms)', 'perceived p95 (ms)', 'errors', 'close', 'failure'];

/** A worst-calls row after its rank and id (which each renderer sets, the HTML as a link). */
export function worstCallCells(call: CallReport): string[] {
  const wer = call.wer;
  return [
    formatShare(wer?.wer ?? null),
    wer === null ? NONE : `${wer.substitutions} / ${wer.deletions} / ${wer.insertions}`,
    formatMs(call.latency.final.p95),
    formatMs(call.latency.perceived.p95),
    String(call.errors.length),
    call.close.label,
    call.failure ?? NONE,
  ];
}

/** The five latency series, as the tables list them. */
export const LATENCY_SERIES: ReadonlyArray<{ label: string; of: (l: LatencyReport) => Percentiles }> = [
  { label: 'perceived (eager end), client', of: (l) => l.perceived },
  { label: 'perceived, server', of: (l) => l.server_perceived },
  { label: 'final (turn end), client', of: (l) => l.final },
  { label: 'final, server', of: (l) => l.server_final },
  { label: 'partial words, client', of: (l) => l.partial },
];

export const PERCENTILE_COLUMNS: ReadonlyArray<{ label: string; key: 'p50' | 'p95' | 'p99' | 'p999' }> = [
  { label: 'p50', key: 'p50' },
  { label: 'p95', key: 'p95' },
  { label: 'p99', key: 'p99' },
  { label: 'p99.9', key: 'p999' },
];

/** Whether any latency was measured (a call that never ran has none, and no table). */
export function hasLatency(latency: LatencyReport): boolean {
  return LATENCY_SERIES.some((s) => s.of(latency).count > 0);
}

/** Header and rows of a latency table: series by n and percentiles, ms. */
export function latencyTable(latency: LatencyReport): { header: string[]; rows: string[][] } {
  return {
    header: ['latency (ms)', 'n', ...PERCENTILE_COLUMNS.map((p) => p.label)],
    rows: LATENCY_SERIES.map((s) => {
      const p = s.of(latency);
      return [s.label, String(p.count), ...PERCENTILE_COLUMNS.map((c) => formatMs(p[c.key]))];
    }),
  };
}

export type FigureKind = 'count' | 'share' | 'ratio' | 'hours' | 'seconds' | 'ms';

interface SummaryFigure {
  label: string;
  text: (s: ReportSummary) => string;
  /** What a shadow run is compared on; absent where the figure is a list. */
  value?: (s: ReportSummary) => number | null;
  kind?: FigureKind;
}

const SUMMARY_FIGURES: readonly SummaryFigure[] = [
  { label: 'calls', text: (s) => String(s.calls), value: (s) => s.calls, kind: 'count' },
  { label: 'failed calls', text: (s) => String(s.failed_calls), value: (s) => s.failed_calls, kind: 'count' },
  { label: 'audio', text: (s) => formatHours(s.audio_hours), value: (s) => s.audio_hours, kind: 'hours' },
  { label: 'wall time', text: (s) => `${Math.round(s.wall_seconds)} s`, value: (s) => s.wall_seconds, kind: 'seconds' },
  { label: 'WER', text: (s) => formatWer(s.wer), value: (s) => s.wer?.wer ?? null, kind: 'share' },
  {
    label: 'turns',
    text: (s) => (s.expected_turns === null ? String(s.turns) : `${s.turns} (${s.turns_where_expected} of ${s.expected_turns} expected)`),
    value: (s) => s.turns,
    kind: 'count',
  },
  {
    label: 'true turn ends found',
    text: (s) => (s.turns_matched === null ? NONE : String(s.turns_matched)),
    value: (s) => s.turns_matched,
    kind: 'count',
  },
  {
    label: 'cut-offs',
    text: (s) => (s.cut_offs === null ? NONE : String(s.cut_offs)),
    value: (s) => s.cut_offs,
    kind: 'count',
  },
  {
    label: 'false eager ends per turn',
    text: (s) => (s.false_eager_ends_per_turn === null ? NONE : s.false_eager_ends_per_turn.toFixed(2)),
    value: (s) => s.false_eager_ends_per_turn,
    kind: 'ratio',
  },
  { label: 'flicker', text: (s) => formatShare(s.flicker), value: (s) => s.flicker, kind: 'share' },
  { label: 'corrections', text: (s) => String(s.corrections), value: (s) => s.corrections, kind: 'count' },
  { label: 'errors', text: (s) => formatTally(s.errors), value: (s) => Object.values(s.errors).reduce((a, b) => a + b, 0), kind: 'count' },
  { label: 'closes', text: (s) => formatTally(s.closes) },
];

export function summaryRows(summary: ReportSummary): Array<[string, string]> {
  return SUMMARY_FIGURES.map((f) => [f.label, f.text(summary)]);
}

/** Primary against shadow: label, primary, shadow, shadow minus primary. Latency rows are per series and percentile. */
export function comparedRows(primary: ReportSummary, shadow: ReportSummary): Array<[string, string, string, string]> {
  const rows: Array<[string, string, string, string]> = SUMMARY_FIGURES.map((f) => [
    f.label,
    f.text(primary),
    f.text(shadow),
    f.value && f.kind ? formatDelta(f.value(primary), f.value(shadow), f.kind) : '',
  ]);
  for (const series of LATENCY_SERIES) {
    for (const p of PERCENTILE_COLUMNS) {
      const [a, b] = [series.of(primary.latency)[p.key], series.of(shadow.latency)[p.key]];
      rows.push([`${series.label} ${p.label} (ms)`, formatMs(a), formatMs(b), formatDelta(a, b, 'ms')]);
    }
  }
  return rows;
}

/** `after - before`, signed, in the figure's unit; shares in percentage points. */
export function formatDelta(before: number | null, after: number | null, kind: FigureKind): string {
  return before === null || after === null ? NONE : formatDifference(after - before, kind);
}

export function formatDifference(d: number | null, kind: FigureKind): string {
  if (d === null) return NONE;
  // A difference that rounds to zero is shown as 0, without a sign.
  const signed = (text: string) => (!/[1-9]/.test(text) ? text.replace('-', '') : d > 0 ? `+${text}` : text);
  switch (kind) {
    case 'count':
      return signed(String(Math.round(d)));
    case 'ms':
      return signed(`${Math.round(d)} ms`);
    case 'seconds':
      return signed(`${Math.round(d)} s`);
    case 'share':
      return signed(`${(d * 100).toFixed(1)} pp`);
    case 'ratio':
      return signed(d.toFixed(2));
    case 'hours':
      return signed(formatHours(d));
  }
}

/** Error events of a call grouped by code and message, in first-seen order. */
export function groupedErrors(call: CallReport): Array<{ code: string; message: string; fatal: boolean; count: number }> {
  const groups = new Map<string, { code: string; message: string; fatal: boolean; count: number }>();
  for (const e of call.errors) {
    const key = `${e.code}\u0000${e.message}\u0000${e.fatal}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { ...e, count: 1 });
  }
  return [...groups.values()];
}
