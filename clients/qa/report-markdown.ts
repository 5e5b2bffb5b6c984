import type { AlignedWord, CallReport, QaReport } from './qa-report.js';
import {
  DEFAULT_WORST_CALLS,
  WORST_CALL_HEADER,
  comparedRows,
  describeCall,
  describeChannel,
  describeRun,
  formatDifference,
  formatWer,
  groupedErrors,
  hasLatency,
  latencyTable,
  summaryRows,
  worstCallCells,
  type ReportRenderOptions,
} from './report-figures.js';

/** `report.md`: the report for a terminal or a code review, the same figures as the HTML. */
export function renderMarkdown(report: QaReport, options: ReportRenderOptions = {}): string {
  const out: string[] = ['# Parley QA replay report', '', `Created ${md(report.created_at)}: ${md(describeRun(report.run))}.`];
  if (report.shadow) out.push('', `Shadow: ${md(describeRun(report.shadow.run))}.`);
  if (!report.complete) out.push('', '**Interrupted:** the calls that had not finished are missing from this report.');
  out.push('', '## Summary', '');
  if (report.shadow) {
    out.push(...table(['', 'primary', 'shadow', 'Δ (shadow − primary)'], comparedRows(report.summary, report.shadow.summary)));
  } else {
    out.push(...table(['figure', 'value'], summaryRows(report.summary)), '', ...latency(report.summary.latency));
  }
  out.push('', '## Worst calls', '');
  const worst = report.calls.slice(0, options.worstCalls ?? DEFAULT_WORST_CALLS);
  out.push(...table(WORST_CALL_HEADER, worst.map((call, i) => [String(i + 1), call.id, ...worstCallCells(call)])));
  if (report.shadow) out.push(...shadowDifferences(report));
  out.push('', '## Calls', '', `Word diffs: ~~word~~ in the reference, not recognized; **word** recognized, not in the reference; [reference→recognized] substituted.`);
  report.calls.forEach((call, i) => out.push(...callSection(call, i + 1)));
  return `${out.join('\n')}\n`;
}

function callSection(call: CallReport, rank: number): string[] {
  const out = ['', `### ${rank}. ${md(call.id)}`, '', md(describeCall(call))];
  if (call.failure !== null) out.push('', `**Failed:** ${md(call.failure)}`);
  out.push('', `WER ${formatWer(call.wer)}`);
  const errors = groupedErrors(call);
  if (errors.length > 0) {
    out.push('', 'Errors:', '');
    for (const e of errors) out.push(`- ${md(e.code)}${e.fatal ? ' (fatal)' : ''}: ${md(e.message)}${e.count > 1 ? ` ×${e.count}` : ''}`);
  }
  if (hasLatency(call.latency)) out.push('', ...latency(call.latency));
  if (call.timeline_png !== null) out.push('', `![timeline of ${md(call.id)}](${url(call.timeline_png)})`);
  for (const channel of call.channels) {
    out.push('', `- ch ${channel.channel}: ${md(describeChannel(channel))}`, '');
    out.push(channel.alignment === null ? `  > ${md(channel.hypothesis) || '(nothing recognized)'} (no reference)` : `  > ${diff(channel.alignment)}`);
  }
  return out;
}

function shadowDifferences(report: QaReport): string[] {
  const differences = report.shadow!.differences;
  const out = ['', '## Shadow differences', '', 'Shadow minus primary, per call. Word diffs: ~~word~~ only primary, **word** only shadow, [primary→shadow].', ''];
  out.push(
    ...table(
      ['call', 'WER Δ', 'final p50 Δ', 'perceived p50 Δ', 'differing words'],
      differences.map((d) => [
        d.id,
        formatDifference(d.wer_delta, 'share'),
        formatDifference(d.final_p50_delta_ms, 'ms'),
        formatDifference(d.perceived_p50_delta_ms, 'ms'),
        String(d.words.reduce((n, w) => n + w.differing, 0)),
      ]),
    ),
  );
  for (const d of differences) {
    const differing = d.words.filter((w) => w.differing > 0);
    if (differing.length === 0) continue;
    out.push('', `### ${md(d.id)}`);
    for (const w of differing) out.push('', `- ch ${w.channel}, ${w.differing} differing:`, '', `  > ${diff(w.alignment)}`);
  }
  return out;
}

function latency(latencyReport: CallReport['latency']): string[] {
  const { header, rows } = latencyTable(latencyReport);
  return table(header, rows);
}

function diff(alignment: readonly AlignedWord[]): string {
  return alignment
    .map((a) => {
      switch (a.op) {
        case 'match':
          return md(a.hyp);
        case 'sub':
          return `[${md(a.ref)}→${md(a.hyp)}]`;
        case 'del':
          return `~~${md(a.ref)}~~`;
        case 'ins':
          return `**${md(a.hyp)}**`;
      }
    })
    .join(' ');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(md).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)];
}

/**
 * Untrusted text (transcripts, ids, messages) as inert Markdown: whitespace runs become one
 * space (a newline would end a table row or a quote), and every character that could start
 * emphasis, a link, a code span, HTML, math or a table cell is backslash-escaped.
 */
function md(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>|~&$]/g, (c) => `\\${c}`);
}

/** A relative path as a link target: percent-encoded, parentheses included (they would end the link). */
function url(path: string): string {
  return encodeURI(path).replace(/\(/g, '%28').replace(/\)/g, '%29');
}
