import { telephoneManifestFiles, loadTelephonePrompts, type TelephonePrompt } from '../../test/support/grpc-telephone-call.js';

/** Every 7th prompt of asterisk-en's manifest, from the first: 40 prompts, 141 s of speech, 386 words. */
export const PROMPT_STRIDE = 7;
export const PROMPT_COUNT = 40;

/** The benchmark's fixed subset of the telephone corpus (../shared/corpus/asterisk-en), in manifest order. */
export function telephoneBenchPrompts(): TelephonePrompt[] {
  const files = telephoneManifestFiles().filter((_, i) => i % PROMPT_STRIDE === 0).slice(0, PROMPT_COUNT);
  return loadTelephonePrompts(files);
}
