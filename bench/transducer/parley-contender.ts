import { readFile } from 'node:fs/promises';
import { TransducerEngine } from '../../models/asr/transducer/transducer-engine.js';
import type { ModelPrecision } from '../../models/asr/transducer/model-folder.js';
import type { Contender } from './contender.js';
import { threadCpuSeconds } from './thread-cpu.js';

/**
 * Parley's TransducerEngine with one intra-op thread, fbank on the main thread (in
 * acceptWaveform) and the model on its worker thread. Both contenders of one engine share it:
 * the same sessions, the same worker, so they differ only in how ready streams are batched.
 */
export class ParleyEngineUnderTest {
  private constructor(
    readonly engine: TransducerEngine,
    /** The threads loading it started: its worker, where encoder and search run. */
    readonly threads: ReadonlySet<number>,
  ) {}

  static async load(modelDir: string, precision: ModelPrecision): Promise<ParleyEngineUnderTest> {
    // libuv's pool starts on first use; start it now so that it is not taken for the engine's threads.
    await readFile('/proc/self/stat');
    const before = new Set(threadCpuSeconds().keys());
    const engine = await TransducerEngine.load({ modelDir, precision, executionProvider: 'cpu', intraOpThreads: 1 });
    const threads = new Set([...threadCpuSeconds().keys()].filter((tid) => !before.has(tid)));
    return new ParleyEngineUnderTest(engine, threads);
  }

  /**
   * `batched`: each step decodes all of readyStreams() as one batch, as the scheduler will.
   * Otherwise each ready stream is decoded alone (batch size 1), one after the other.
   */
  contender(batched: boolean): Contender {
    const { engine, threads } = this;
    let ids: number[] = [];
    return {
      name: batched ? 'parley batched' : 'parley batch-1',
      threads,
      async open(k) {
        ids = await Promise.all(Array.from({ length: k }, () => engine.openStream()));
      },
      accept(stream, samples) {
        engine.acceptWaveform(ids[stream]!, samples);
      },
      async decodeReady(onCall) {
        for (let ready = engine.readyStreams(); ready.length > 0; ready = engine.readyStreams()) {
          for (const batch of batched ? [ready] : ready.map((id) => [id])) {
            const started = performance.now();
            await engine.decode(batch);
            onCall(batch.length, performance.now() - started);
          }
        }
      },
      tokens: () => ids.reduce((n, id) => n + engine.result(id).tokens.length, 0),
      closeStreams() {
        for (const id of ids) engine.closeStream(id);
        ids = [];
      },
      close: () => engine.close(),
    };
  }
}
