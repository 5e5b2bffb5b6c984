import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

/** What names a model in `session.started` and the logs: its files and a hash of their content. */
export interface ModelVersion {
  /** Paths relative to the model's folder, in hashing order. */
  files: string[];
  /** SHA-256 over the files' contents in that order; hex, first 16 digits. */
  sha256: string;
}

/** Hashed once per process and file list: every server of a test process shares the model. */
const versions = new Map<string, Promise<ModelVersion>>();

export function modelVersion(root: string, files: readonly string[]): Promise<ModelVersion> {
  const key = JSON.stringify([root, files]);
  let version = versions.get(key);
  if (!version) {
    version = hashFiles(root, files);
    versions.set(key, version);
    // A failed read (a file removed) is not remembered: the next load tries again.
    version.catch(() => versions.delete(key));
  }
  return version;
}

async function hashFiles(root: string, files: readonly string[]): Promise<ModelVersion> {
  const hash = createHash('sha256');
  for (const file of files) {
    for await (const chunk of createReadStream(join(root, file))) hash.update(chunk as Buffer);
  }
  return { files: [...files], sha256: hash.digest('hex').slice(0, 16) };
}
