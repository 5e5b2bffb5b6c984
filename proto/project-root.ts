import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of Parley's package.json above `fromDir`: the same answer from source and from dist/. */
export function findProjectRoot(fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'parley') {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no "parley" package.json above ${fromDir}`);
  }
}

let root: string | undefined;

/** Parley's root directory, where package.json, dist/ and the native build live. */
export function projectRoot(): string {
  root ??= findProjectRoot(dirname(fileURLToPath(import.meta.url)));
  return root;
}
