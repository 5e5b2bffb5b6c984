import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findProjectRoot, projectRoot } from './project-root.js';

describe('projectRoot', () => {
  it('finds the parley package from source and from dist/', () => {
    const root = projectRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('parley');
    expect(findProjectRoot(dirname(fileURLToPath(import.meta.url)))).toBe(root);
    expect(findProjectRoot(join(root, 'dist/proto'))).toBe(root);
    expect(() => findProjectRoot('/tmp')).toThrow(/no "parley" package.json/);
  });
});
