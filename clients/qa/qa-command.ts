import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallInputError, loadCallInputs, type CallInput, type CallSources } from './call-inputs.js';
import { ProgressBar } from './progress-bar.js';
import { REPORT_SCHEMA, REPORT_VERSION, type QaReport } from './qa-report.js';
import { runQa, type QaRunOptions, type QaRunResult } from './qa-run.js';
import { compareReports, formatGateResult, type GateTolerances } from './regression-gate.js';
import { comparedRows, describeRun, latencyTable, summaryRows } from './report-figures.js';
import { writeReport } from './report-writer.js';

/** What `npm run replay` was asked to do with many calls (replay-cli.ts parses the flags). */
export interface QaCommandOptions extends Pick<QaRunOptions, 'target' | 'shadow' | 'speed' | 'chunkMs' | 'concurrency' | 'callSlackMs'> {
  sources: CallSources;
  /** Where report.json, .md, .html and the timelines go; none: the summary is printed only. */
  reportDir?: string;
  /** A report.json to hold this run to. */
  baseline?: string;
  tolerances: GateTolerances;
}

/** The exit codes of a QA replay. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

/**
 * Loads the calls (and the baseline) before any runs, so bad input costs nothing; replays
 * them; writes the report; gates. Ctrl-C once: no more calls start, those in flight are
 * closed, and the partial report is written; twice: exits at once.
 */
export async function runQaCommand(options: QaCommandOptions): Promise<number> {
  let calls: CallInput[];
  let baseline: QaReport | undefined;
  try {
    calls = await loadCallInputs(options.sources);
    if (options.target.webrtc && !options.target.grpc) {
      const stereo = calls.find((call) => call.channels !== 1);
      if (stereo) throw new CallInputError(`${stereo.audio}: has 2 channels; a WebRTC call carries one`);
    }
    baseline = options.baseline === undefined ? undefined : await readBaseline(options.baseline);
  } catch (error) {
    if (!(error instanceof CallInputError)) throw error;
    console.error(error.message);
    return EXIT.badInput;
  }

  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    console.error('\ninterrupted: closing the calls in flight, then writing a partial report (Ctrl-C again quits at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  // A progress bar is for a person at a terminal; a CI log gets the summary only.
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr, calls.length, calls.reduce((sum, call) => sum + call.audioMs, 0)) : undefined;
  let run: QaRunResult;
  try {
    run = await runQa(calls, {
      target: options.target,
      shadow: options.shadow,
      speed: options.speed,
      chunkMs: options.chunkMs,
      concurrency: options.concurrency,
      callSlackMs: options.callSlackMs,
      drawPictures: options.reportDir !== undefined,
      signal: controller.signal,
      onProgress: (progress) => bar?.update(progress),
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
  const { report, pictures } = run;
  if (options.reportDir !== undefined) await writeReport(options.reportDir, report, pictures);
  console.log(summaryText(report));
  if (options.reportDir !== undefined) console.log(`\nreport: ${join(options.reportDir, 'report.json')}`);
  if (!report.complete) {
    console.error(`interrupted: the report holds ${report.calls.length} of ${calls.length} calls (complete: false)`);
    return EXIT.interrupted;
  }

  let code: number = EXIT.ok;
  // Against the baseline when there is one; else a shadow (the canary) must not be worse than the primary.
  const gate = baseline ? compareReports(baseline, report, options.tolerances) : report.shadow ? compareReports(report, shadowReport(report), options.tolerances) : undefined;
  if (gate) {
    console.log(`\n${baseline ? 'this run against the baseline' : 'the shadow against the primary'}:\n${formatGateResult(gate)}`);
    if (!gate.passed) code = EXIT.failed;
  }
  const failed = report.summary.failed_calls + (report.shadow?.summary.failed_calls ?? 0);
  if (failed > 0) {
    console.error(`${failed} call(s) failed: see their failure and close in the report`);
    code = EXIT.failed;
  }
  return code;
}

async function readBaseline(path: string): Promise<QaReport> {
  let report: Partial<QaReport>;
  try {
    report = JSON.parse(await readFile(path, 'utf8')) as Partial<QaReport>;
  } catch (error) {
    throw new CallInputError(`${path}: cannot read the baseline report (${(error as Error).message})`);
  }
  if (report.schema !== REPORT_SCHEMA || report.version !== REPORT_VERSION) {
    throw new CallInputError(`${path}: not a Parley QA report of version ${REPORT_VERSION} (schema ${String(report.schema)}, version ${String(report.version)})`);
  }
  return report as QaReport;
}

/** The shadow's half of a report as a report of its own, for the gate. */
function shadowReport(report: QaReport): QaReport {
  const { shadow, ...primary } = report;
  return { ...primary, run: shadow!.run, summary: shadow!.summary, calls: shadow!.calls };
}

/** The summary for a terminal or a CI log: the report's figures, in its words. */
function summaryText(report: QaReport): string {
  const lines = [`${describeRun(report.run)}${report.complete ? '' : ' · INTERRUPTED (partial)'}`];
  if (report.shadow) {
    lines.push(`shadow: ${describeRun(report.shadow.run)}`);
    lines.push(...table([['', 'primary', 'shadow', 'shadow - primary'], ...comparedRows(report.summary, report.shadow.summary)]));
    return lines.join('\n');
  }
  const latency = latencyTable(report.summary.latency);
  lines.push(...table(summaryRows(report.summary)), '', ...table([latency.header, ...latency.rows]));
  return lines.join('\n');
}

/** Columns padded to their widest cell; the first left-aligned, numbers right-aligned. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  return rows.map((row) => `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`.trimEnd());
}
