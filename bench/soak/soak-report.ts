import type { ResourceSample } from './resource-sampler.js';
import type { KindTally } from './tally.js';

/**
 * How far above the baseline a resource may end after the cooldown. RSS: V8 and the ONNX
 * Runtime arena keep some of what peak load made them take, so a margin; a leak grows with
 * the soak's length and passes it. Descriptors and threads are counted, not sized: every
 * connection's descriptor must be closed, and no thread may be left behind.
 */
const RSS_SLACK_MB = 64;
const RSS_SLACK_SHARE = 0.2;
const FD_SLACK = 2;
const THREAD_SLACK = 0;

export interface Verdict {
  resource: string;
  baseline: number | null;
  final: number | null;
  allowed: number | null;
  pass: boolean;
}

/** One verdict per resource; every one fails when the server is gone (it has no resources left to measure). */
export function verdicts(baseline: ResourceSample, final: ResourceSample | null): Verdict[] {
  const check = (resource: string, base: number | null, end: number | null | undefined, allowed: number | null): Verdict => ({
    resource,
    baseline: base,
    final: end ?? null,
    allowed,
    pass: end !== null && end !== undefined && (allowed === null || end <= allowed),
  });
  const rssAllowed = baseline.rss_mb + Math.max(RSS_SLACK_MB, Math.round(baseline.rss_mb * RSS_SLACK_SHARE));
  const list = [
    { resource: 'server process', baseline: 1, final: final ? 1 : 0, allowed: 1, pass: final !== null },
    check('rss_mb', baseline.rss_mb, final?.rss_mb, rssAllowed),
    check('fds', baseline.fds, final?.fds, baseline.fds + FD_SLACK),
    check('threads', baseline.threads, final?.threads, baseline.threads + THREAD_SLACK),
  ];
  // Sessions and pending connections must be back to none, when the server exports them.
  if (baseline.active_sessions !== null) list.push(check('active_sessions', baseline.active_sessions, final?.active_sessions, 0));
  if (baseline.pending_connections !== null) list.push(check('pending_connections', baseline.pending_connections, final?.pending_connections, 0));
  return list;
}

export function printKinds(kinds: Record<string, KindTally>): void {
  console.log('\nclients (errors: error event codes; ends: close codes, gRPC status, HTTP status)');
  for (const [name, t] of Object.entries(kinds)) {
    const turns = t.expectedTurns > 0 ? `, turn.end ${t.turnEnds}/${t.expectedTurns} expected` : t.turnEnds > 0 ? `, turn.end ${t.turnEnds}` : '';
    console.log(`  ${name}: ${t.visits} visits${name.startsWith('normal') ? `, ${t.served} served` : ''}${turns}`);
    console.log(`    errors:   ${counts(t.errors)}`);
    console.log(`    ends:     ${counts(t.ends)}`);
    if (Object.keys(t.failures).length > 0) console.log(`    failures: ${counts(t.failures)}`);
  }
}

export function printSamplesHeader(): void {
  console.log(['t_s', 'rss_mb', 'fds', 'threads', 'cpu_%', 'healthz_ms', 'loop_lag_ms', 'sessions', 'pending'].join('\t'));
}

export function printSample(s: ResourceSample, label = ''): void {
  const cells = [s.t_s, s.rss_mb, s.fds, s.threads, s.cpu_pct, s.healthz_ms, s.loop_lag_ms, s.active_sessions, s.pending_connections];
  console.log(`${cells.map((c) => (c === null ? '-' : String(c))).join('\t')}${label ? `\t${label}` : ''}`);
}

export function printVerdicts(list: Verdict[]): void {
  console.log('\nafter the cooldown, against the baseline taken before the load:');
  for (const v of list) {
    const detail = v.resource === 'server process' ? (v.pass ? 'still running' : 'gone') : `${v.baseline} -> ${v.final ?? '-'} (at most ${v.allowed})`;
    console.log(`  ${v.pass ? 'PASS' : 'FAIL'} ${v.resource}: ${detail}`);
  }
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.map(([k, n]) => `${k} x${n}`).join(', ');
}
