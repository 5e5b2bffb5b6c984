import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { modelVersion, type ModelVersion } from '../../model-version.js';

/** Debian's `pocketsphinx-en-us`: the acoustic model folder, the n-gram model and the dictionary. */
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const ACOUSTIC_MODEL = 'en-us';
export const LANGUAGE_MODEL = 'en-us.lm.bin';
export const DICTIONARY = 'cmudict-en-us.dict';

/** The files the engine loads from `modelDir`, named and hashed. */
export async function pocketSphinxModelVersion(modelDir = POCKETSPHINX_MODEL_DIR): Promise<ModelVersion> {
  const acoustic = (await readdir(join(modelDir, ACOUSTIC_MODEL))).sort().map((file) => `${ACOUSTIC_MODEL}/${file}`);
  return modelVersion(modelDir, [...acoustic, LANGUAGE_MODEL, DICTIONARY]);
}
