import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ParleyError } from '../../../proto/errors.js';
import { modelVersion, type ModelVersion } from '../../model-version.js';

/** Which of a folder's encoder/decoder/joiner files to run when it has both. */
export type ModelPrecision = 'fp32' | 'int8';

export interface ModelFolderFiles {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

/**
 * The files of a model folder as sherpa-onnx publishes it: `encoder*.onnx`, `decoder*.onnx`,
 * `joiner*.onnx` (each possibly also as `.int8.onnx`) and `tokens.txt`. Exactly one file per
 * part must match, or the folder is refused naming what it found.
 */
export async function findModelFiles(dir: string, precision: ModelPrecision = 'fp32'): Promise<ModelFolderFiles> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new ParleyError('bad_config', `cannot read the model folder ${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const pick = (part: string): string => {
    const candidates = names.filter((n) => n.startsWith(part) && n.endsWith('.onnx'));
    const int8 = candidates.filter((n) => n.endsWith('.int8.onnx'));
    const fp32 = candidates.filter((n) => !n.endsWith('.int8.onnx'));
    // The asked precision where the folder has it, else what it has.
    const preferred = precision === 'int8' ? (int8.length > 0 ? int8 : fp32) : fp32.length > 0 ? fp32 : int8;
    if (preferred.length !== 1) {
      throw new ParleyError('bad_config', `the model folder ${dir} must hold one ${part}*.onnx file (${precision}); found ${candidates.length === 0 ? 'none' : candidates.join(', ')}`);
    }
    return join(dir, preferred[0]!);
  };
  if (!names.includes('tokens.txt')) throw new ParleyError('bad_config', `the model folder ${dir} has no tokens.txt`);
  return { encoder: pick('encoder'), decoder: pick('decoder'), joiner: pick('joiner'), tokens: join(dir, 'tokens.txt') };
}

/** The folder's four files, named and hashed. */
export function modelFolderVersion(files: ModelFolderFiles): Promise<ModelVersion> {
  const paths = [files.encoder, files.decoder, files.joiner, files.tokens];
  return modelVersion(dirname(files.encoder), paths.map((p) => basename(p)));
}
