import { PocketSphinxEngine } from '../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { VadEngine } from '../models/vad/vad-engine.js';
import type { SessionEngines } from './session/session.js';

export interface LoadEnginesOptions {
  prewarmDecoders: number;
}

/** Loads the models every session shares. */
export async function loadEngines(options: LoadEnginesOptions): Promise<SessionEngines> {
  const [vad, asr] = await Promise.all([VadEngine.load(), PocketSphinxEngine.create()]);
  await asr.prewarm(options.prewarmDecoders);
  return { vad, asr };
}

export async function closeEngines(engines: SessionEngines): Promise<void> {
  await Promise.all([engines.vad.close(), engines.asr.close()]);
}
