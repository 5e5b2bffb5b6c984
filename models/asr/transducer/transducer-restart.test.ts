import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { projectRoot } from '../../../proto/project-root.js';
import { TESTDATA_DIR } from '../../../test/support/librivox.js';
import type { WorkerStatus } from '../../worker-restart.js';
import { TransducerEngine } from './transducer-engine.js';

const MODEL_DIR = join(projectRoot(), 'test', 'fixtures', 'transducer', 'zipformer');
const raw = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const SPEECH = Float32Array.from(new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2), (v) => v / 32768);

const engines: TransducerEngine[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function load(options: Partial<Parameters<typeof TransducerEngine.load>[0]> = {}): Promise<TransducerEngine> {
  const engine = await TransducerEngine.load({ modelDir: MODEL_DIR, ...options });
  engines.push(engine);
  return engine;
}

/** The whole utterance through one stream, idle afterwards (a worker is only ended between runs). */
async function recognize(engine: TransducerEngine, id: number): Promise<string> {
  engine.acceptWaveform(id, SPEECH);
  engine.acceptWaveform(id, new Float32Array(engine.tailPaddingSamples));
  engine.inputFinished(id);
  while (engine.isReady(id)) await engine.decode([id]);
  return engine.result(id).text;
}

function threads(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

function delays(statuses: readonly WorkerStatus[]): number[] {
  return statuses.filter((s) => s.kind === 'failed').map((s) => Number(/restarting in (\d+) ms$/.exec(s.detail)![1]));
}

describe('a transducer engine whose worker dies', () => {
  it('loses the streams the worker held, refuses new ones until a new worker serves, then recognizes as before', async () => {
    const statuses: WorkerStatus[] = [];
    const healthyWhenFailed: boolean[] = [];
    let engine: TransducerEngine | undefined = undefined;
    engine = await load({
      restartDelayMs: 200,
      onStatus: (status) => {
        statuses.push(status);
        if (status.kind === 'failed') healthyWhenFailed.push(engine!.healthy);
      },
    });
    const held = await engine.openStream();
    const before = await recognize(engine, held);
    expect(before).not.toBe('');
    const idle = await engine.openStream();

    const dead = engine.workerThread;
    await dead.terminate();
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    expect(statuses[0]).toEqual({ kind: 'failed', detail: expect.stringMatching(/exited with code 1; restarting in 200 ms$/) });
    expect(healthyWhenFailed).toEqual([false]);
    await expect(engine.openStream()).rejects.toMatchObject({ code: 'engine_failure' });

    // Every use of a lost stream says so; it can still be asked about and closed.
    for (const id of [held, idle]) {
      expect(engine.isOpen(id)).toBe(true);
      expect(engine.canDecode(id)).toBe(false);
      expect(() => engine.isReady(id)).toThrow(expect.objectContaining({ code: 'engine_failure' }));
      expect(() => engine.acceptWaveform(id, SPEECH)).toThrow(expect.objectContaining({ code: 'engine_failure' }));
      expect(() => engine.reset(id)).toThrow(expect.objectContaining({ code: 'engine_failure' }));
      expect(() => engine.result(id)).toThrow(expect.objectContaining({ code: 'engine_failure' }));
    }
    expect(engine.readyStreams()).toEqual([]);
    engine.closeStream(held);
    engine.closeStream(idle);
    expect(engine.openStreams).toBe(0);

    await vi.waitFor(() => expect(engine.healthy).toBe(true), { timeout: 20_000 });
    expect(statuses.map((s) => s.kind)).toEqual(['failed', 'restarted']);
    expect(engine.workerThread).not.toBe(dead);
    const fresh = await engine.openStream();
    expect(await recognize(engine, fresh)).toBe(before);
  });

  it('retries a restart that fails at doubling intervals until the model loads; a worker that answers resets the wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-transducer-'));
    tempDirs.push(dir);
    cpSync(MODEL_DIR, dir, { recursive: true });
    const statuses: WorkerStatus[] = [];
    const engine = await load({ modelDir: dir, restartDelayMs: 10, maxRestartDelayMs: 40, onStatus: (s) => statuses.push(s) });

    renameSync(join(dir, 'joiner.onnx'), join(dir, 'joiner.away'));
    await engine.workerThread.terminate();
    await vi.waitFor(() => expect(statuses.length).toBeGreaterThanOrEqual(4), { timeout: 20_000 });
    expect(engine.healthy).toBe(false);
    expect(statuses.slice(1).every((s) => s.kind === 'failed' && /failed to load/.test(s.detail))).toBe(true);
    expect(delays(statuses).slice(0, 4)).toEqual([10, 20, 40, 40]);

    renameSync(join(dir, 'joiner.away'), join(dir, 'joiner.onnx'));
    await vi.waitFor(() => expect(engine.healthy).toBe(true), { timeout: 20_000 });
    expect(statuses.at(-1)!.kind).toBe('restarted');
    expect(await recognize(engine, await engine.openStream())).not.toBe('');

    const failures = delays(statuses).length;
    await engine.workerThread.terminate();
    await vi.waitFor(() => expect(delays(statuses)).toHaveLength(failures + 1));
    expect(delays(statuses).at(-1)).toBe(10);
  });

  it('closed while a new worker loads: closes that worker too, and restarts nothing after', async () => {
    const statuses: WorkerStatus[] = [];
    const engine = await load({ restartDelayMs: 1, onStatus: (s) => statuses.push(s) });
    const running = threads();
    const dead = engine.workerThread;
    await dead.terminate();
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    // The replacement's thread is up, still loading the model (that takes far longer than this wait).
    await vi.waitFor(() => expect(threads()).toBeGreaterThanOrEqual(running), { interval: 1 });
    await engine.close();
    expect(engine.healthy).toBe(false);
    expect(engine.workerThread).toBe(dead);
    await vi.waitFor(() => expect(threads()).toBeLessThan(running), { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statuses.map((s) => s.kind)).toEqual(['failed']);
    await expect(engine.openStream()).rejects.toMatchObject({ code: 'engine_failure' });
  });
});
