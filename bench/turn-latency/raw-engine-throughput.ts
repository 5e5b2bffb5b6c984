import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';

const ACCEPT_SAMPLES = 16000;

/**
 * PocketSphinx alone (with the server's search settings), no server around it: decodes every recording (first pass in
 * 1 s pieces, then the end-of-utterance pass) on `parallel` streams at once.
 * Returns the audio, wall and CPU seconds (this process does nothing else meanwhile).
 */
export async function rawEngineThroughput(
  recordings: Float32Array[],
  parallel: number,
): Promise<{ audioSeconds: number; wallSeconds: number; cpuSeconds: number }> {
  const engine = await PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS });
  await engine.prewarm(Math.min(parallel, 4));
  const queue = [...recordings];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      const stream = await engine.openStream();
      for (let pcm = queue.shift(); pcm; pcm = queue.shift()) {
        await stream.startUtterance();
        for (let i = 0; i < pcm.length; i += ACCEPT_SAMPLES) await stream.accept(pcm.subarray(i, i + ACCEPT_SAMPLES));
        await stream.endUtterance();
      }
      stream.close();
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await engine.close();
  return { audioSeconds: recordings.reduce((s, r) => s + r.length / 16000, 0), wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
