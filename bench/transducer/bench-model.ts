import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../proto/project-root.js';

/** Where `--build-bench-model` puts the bench-size model (gitignored: 100 MB, rebuilt byte-identically). */
export const BENCH_MODEL_DIR = 'bench/models/zipformer-bench';
/** Debian's interpreter: the one with python3-torch and python3-onnx (the `python3` on PATH may be another). */
const PYTHON = '/usr/bin/python3';
const BUILDER = 'scripts/models/build-test-transducer.py';
/** Every file the builder writes: a folder missing any of them was interrupted and is rebuilt. */
const FILES = ['encoder.onnx', 'encoder.int8.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt'];

/**
 * The bench-size streaming Zipformer (v1, laid out like sherpa-onnx's 20M English model) in
 * BENCH_MODEL_DIR, built with scripts/models/build-test-transducer.py when it is not there yet
 * (about 10 s of CPU here). Returns the folder's absolute path; throws with the install hint
 * when Debian's PyTorch or ONNX packages are missing.
 */
export function ensureBenchModel(): string {
  const root = projectRoot();
  const dir = join(root, BENCH_MODEL_DIR);
  if (FILES.every((f) => existsSync(join(dir, f)))) return dir;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `building the bench model needs ${PYTHON} with PyTorch and ONNX (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}).\n` +
        `Install Debian's packages:  sudo apt-get install python3-torch python3-onnx python3-numpy\n` +
        `or pass an existing sherpa-onnx model folder with --model DIR.`,
    );
  }
  // Built beside the target and renamed at the end: an interrupted build never looks complete.
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  console.log(`building the bench-size zipformer into ${BENCH_MODEL_DIR} (about 10 s)...`);
  const args = [join(root, BUILDER), '--export', 'zipformer', '--size', 'bench', '--out', partial];
  const build = spawnSync(PYTHON, args, { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed with status ${build.status ?? build.signal}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}
