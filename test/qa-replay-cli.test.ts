import { speechSpan } from '../bench/turn-latency/bench-calls.js';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { writeWav } from '../audio/wav.js';
import type { QaReport } from '../clients/qa/qa-report.js';
import { at16kTo, goForward } from './support/audio-fixtures.js';
import { captureLog } from './support/log-capture.js';
import { LIBRIVOX_DIR, loadLibriVox } from './support/librivox.js';
import { startTestServer, waitFor } from './support/test-server.js';

const CLI = 'dist/clients/replay-cli.js';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run replay -- ARGS` as a user would; resolves whatever the exit code. */
function cli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

async function readReport(dir: string): Promise<QaReport> {
  return JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as QaReport;
}

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** `[start_ms, end_ms]` of an utterance's speech by frame energy (bench-calls.ts's `speechSpan`). */
function energyTurn(samples: Float32Array): [number, number] {
  const { start, end } = speechSpan(samples);
  return [Math.round(start / 16), Math.round(end / 16)];
}

describe('npm run replay -- --manifest calls.jsonl (QA replay against real servers)', () => {
  let dir: string;
  let manifest: string;
  let primary: Server;
  let canary: Server;
  const primaryLog = captureLog();
  let first: CliRun;
  let report: QaReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-qa-replay-'));
    [primary, canary] = await Promise.all([
      startTestServer({}, { log: primaryLog.log }),
      // The canary sends `turn.end` without waiting for the end-of-utterance pass.
      startTestServer({ finalPassWaitMs: 0 }),
    ]);

    const librivox = loadLibriVox();
    const byId = (suffix: string) => librivox.find((u) => u.id.endsWith(suffix))!;
    const [caller, agent] = [byId('0930'), byId('0880')];
    await copyFile(join(LIBRIVOX_DIR, `${agent.id}.wav`), join(dir, 'librivox.wav'));
    // Caller on channel 0, agent on channel 1, both from the first sample.
    const frames = Math.max(caller.samples.length, agent.samples.length);
    const stereo = new Float32Array(frames * 2);
    caller.samples.forEach((v, i) => (stereo[2 * i] = v));
    agent.samples.forEach((v, i) => (stereo[2 * i + 1] = v));
    await writeFile(join(dir, 'stereo.wav'), writeWav({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 2, data: encodeSamples(stereo, 'pcm_s16le') }));
    // A command as a telephone would carry it: 8 kHz A-law, its reference in a sidecar.
    const alaw = encodeSamples(at16kTo(goForward(), 8000), 'alaw');
    await writeFile(join(dir, 'prompt.wav'), writeWav({ encoding: 'alaw', sampleRate: 8000, channels: 1, data: alaw }));
    await writeFile(join(dir, 'prompt.txt'), 'go forward ten meters\n');
    manifest = join(dir, 'calls.jsonl');
    const lines = [
      // Its one turn's boundaries from the audio's energy, never from Parley.
      { id: 'librivox', audio: 'librivox.wav', reference: agent.transcript, turns: 1, turn_boundaries: [energyTurn(agent.samples)] },
      { id: 'stereo', audio: 'stereo.wav', references: [caller.transcript, agent.transcript], turns: [1, 1] },
      { id: 'prompt', audio: 'prompt.wav' },
    ];
    await writeFile(manifest, lines.map((line) => JSON.stringify(line)).join('\n'));

    first = await cli('--manifest', manifest, '--url', primary.url, '--speed', 'max', '--concurrency', '2', '--report', join(dir, 'first'));
    report = await readReport(join(dir, 'first'));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([primary?.close(), canary?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('replays the manifest and writes a versioned report with WER, turns and a timeline per call', async () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(report).toMatchObject({ schema: 'parley.qa-report', version: 1, complete: true, run: { transport: 'ws', target: primary.url, speed: 0, concurrency: 2, chunk_ms: 20 } });
    expect(report.calls.map((c) => c.id).sort()).toEqual(['librivox', 'prompt', 'stereo']);
    const call = (id: string) => report.calls.find((c) => c.id === id)!;
    expect(call('stereo').channels.map((c) => [c.reference !== null, c.turns, c.expected_turns])).toEqual([
      [true, 1, 1],
      [true, 1, 1],
    ]);
    expect(call('prompt').channels[0]!.reference).toBe('go forward ten meters');
    expect(call('librivox').channels[0]).toMatchObject({ expected_turns: 1, turns_matched: 1, cut_offs: 0 });
    expect(report.summary).toMatchObject({ turns_matched: 1, cut_offs: 0 });
    expect(call('librivox').wer!.wer).toBeLessThan(0.6);
    // PocketSphinx on LibriVox: some errors, far from all words (design.md section 8).
    expect(report.summary.wer!.wer).toBeGreaterThan(0);
    expect(report.summary.wer!.wer).toBeLessThan(0.6);
    expect(report.summary).toMatchObject({ calls: 3, failed_calls: 0, turns: 4, expected_turns: 3, closes: { 'ws 1000': 3 } });
    expect(report.summary.latency.final.count).toBe(4);
    for (const c of report.calls) {
      expect(c.timeline_png).toMatch(/^timelines\/.+\.png$/);
      expect((await readFile(join(dir, 'first', c.timeline_png!))).subarray(0, 8)).toEqual(PNG_MAGIC);
    }
    await expect(readFile(join(dir, 'first', 'report.md'), 'utf8')).resolves.toContain('librivox');
    await expect(readFile(join(dir, 'first', 'report.html'), 'utf8')).resolves.toContain('<html');
    expect(first.stdout).toMatch(/WER/);
    expect(first.stdout).toContain(`report: ${join(dir, 'first', 'report.json')}`);
  });

  it('passes the gate against its own report, and fails against a better baseline naming what regressed', async () => {
    // A few latency samples at full speed on a shared machine move by more than the default
    // 25 ms / 10 % from run to run; WER, turns, false eager ends and errors are held to the defaults.
    const same = await cli('--manifest', manifest, '--url', primary.url, '--speed', 'max', '--concurrency', '2', '--baseline', join(dir, 'first', 'report.json'), '--max-latency-increase-ms', '1000');
    expect(same.stdout).toMatch(/Regression gate: passed/);
    expect(same.code).toBe(0);

    // WER and client latencies lowered: this run cannot be as good.
    const better = structuredClone(report);
    const perfect = (wer: { wer: number | null } | null) => wer && Object.assign(wer, { wer: 0, substitutions: 0, deletions: 0, insertions: 0 });
    perfect(better.summary.wer);
    for (const c of better.calls) perfect(c.wer);
    for (const kind of ['perceived', 'final'] as const) {
      const p = better.summary.latency[kind];
      for (const key of ['p50', 'p95', 'p99'] as const) if (p[key] !== null) p[key] = p[key]! - 1000;
    }
    await writeFile(join(dir, 'better.json'), JSON.stringify(better));
    const worse = await cli('--manifest', manifest, '--url', primary.url, '--speed', 'max', '--concurrency', '2', '--baseline', join(dir, 'better.json'));
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/Regression gate: FAILED/);
    expect(worse.stdout).toMatch(/^ {2}wer: 0\.00% -> \d+\.\d+%/m);
    expect(worse.stdout).toMatch(/^ {2}latency\.final\.p50: /m);
    expect(worse.stdout).toMatch(/^ {2}calls\[\w+\]\.wer: /m);
  });

  it('replays every call against a shadow server at the same time and reports both with their differences', async () => {
    const run = await cli('--manifest', manifest, '--url', primary.url, '--shadow', canary.url, '--speed', 'max', '--concurrency', '2', '--report', join(dir, 'shadow'));
    const both = await readReport(join(dir, 'shadow'));
    expect(both.shadow!.run).toMatchObject({ transport: 'ws', target: canary.url });
    expect(both.shadow!.calls.map((c) => c.id).sort()).toEqual(['librivox', 'prompt', 'stereo']);
    expect(both.shadow!.summary).toMatchObject({ calls: 3, failed_calls: 0 });
    expect(both.shadow!.differences.map((d) => d.id)).toEqual(both.calls.map((c) => c.id));
    const stereo = both.shadow!.differences.find((d) => d.id === 'stereo')!;
    expect(stereo.words.map((w) => w.channel)).toEqual([0, 1]);
    for (const w of stereo.words) expect(w.differing).toBe(w.alignment.filter((step) => step.op !== 'match').length);
    // Without the wait for the end-of-utterance pass the canary's turn ends come sooner.
    expect(both.shadow!.summary.latency.final.p50!).toBeLessThan(both.summary.latency.final.p50!);
    expect(run.stdout).toContain(`shadow: ws ${canary.url}`);
    expect(run.stdout).toMatch(/the shadow against the primary:\nRegression gate: (passed|FAILED)/);
    expect(run.code).toBe(/Regression gate: passed/.test(run.stdout) ? 0 : 1);
  });

  it('on SIGINT starts no more calls, closes the one in flight, writes a partial report and exits 130', async () => {
    const ordered = join(dir, 'ordered.jsonl');
    await writeFile(ordered, [{ id: 'prompt', audio: 'prompt.wav' }, { id: 'librivox', audio: 'librivox.wav' }, { id: 'stereo', audio: 'stereo.wav' }].map((l) => JSON.stringify(l)).join('\n'));
    const count = (event: string) => primaryLog.lines.filter((line) => line.event === event).length;
    const [startedBefore, endedBefore] = [count('session_start'), count('session_end')];
    const child = spawn(process.execPath, [CLI, '--manifest', ordered, '--url', primary.url, '--speed', '1', '--report', join(dir, 'partial')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The short prompt has ended and the second call is under way (one call at a time).
    await waitFor(() => count('session_end') === endedBefore + 1 && count('session_start') === startedBefore + 2, 20_000);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const partial = await readReport(join(dir, 'partial'));
    expect(partial.complete).toBe(false);
    expect(partial.calls.map((c) => c.id)).toEqual(['prompt']);
    expect(partial.summary.calls).toBe(1);
    expect(stderr).toMatch(/interrupted: the report holds 1 of 3 calls \(complete: false\)/);
    await waitFor(() => primary.registry.activeSessions === 0);
    expect(count('session_start')).toBe(startedBefore + 2);
  });

  it('refuses a bad manifest line with its file and line, and exit 2, before any call', async () => {
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify({ audio: 'librivox.wav' })}\n${JSON.stringify({ audio: 'stereo.wav', reference: 'one text for two channels' })}\n`);
    const run = await cli('--manifest', bad, '--url', primary.url);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:2: ${join(dir, 'stereo.wav')}: a 2-channel call takes "references"`);
  });
});
