/**
 * scripts/fetch-model.sh against a loopback HTTP server (PARLEY_MODEL_BASE_URL) serving
 * archives built here with tar and bzip2: no real model, no network. Checks the hash gate
 * (not pinned, accepted, wrong), the folder check against the engine's own loader, resuming,
 * retrying, and what is left on disk after each refusal.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModelFiles } from '../models/asr/transducer/model-folder.js';

const SCRIPT = fileURLToPath(new URL('../scripts/fetch-model.sh', import.meta.url));
/** A name the script knows; its hash is not pinned (it was written without internet access). */
const KNOWN = 'sherpa-onnx-streaming-zipformer-en-2023-06-26';
const STEM = 'epoch-99-avg-1-chunk-16-left-128';

/** A sherpa-onnx folder's layout; the encoders carry the metadata key a streaming export has. */
const MODEL_FILES: Record<string, string> = {
  [`encoder-${STEM}.onnx`]: 'onnx bytes ... decode_chunk_len 32 ... fp32',
  [`encoder-${STEM}.int8.onnx`]: 'onnx bytes ... decode_chunk_len 32 ... int8',
  [`decoder-${STEM}.onnx`]: 'decoder fp32',
  [`decoder-${STEM}.int8.onnx`]: 'decoder int8',
  [`joiner-${STEM}.onnx`]: 'joiner fp32',
  [`joiner-${STEM}.int8.onnx`]: 'joiner int8',
  'tokens.txt': '<blk> 0\n<sos/eos> 1\n<unk> 2\n\u2581THE 3\n',
  'README.md': 'test archive\n',
  'test_wavs/0.wav': 'RIFF',
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Archive {
  bytes: Buffer;
  sha256: string;
}

let work: string;
let server: Server;
let baseUrl: string;
const archives = new Map<string, Archive>();
/** Every request the server got: path and Range header. */
const requests: { path: string; range: string | undefined }[] = [];
/** Paths that answer 503 once before serving. */
const flaky = new Set<string>();
/** Paths whose next answer is cut off after half the body. */
const cut = new Set<string>();

/** Runs the script (no shell around it) with a minimal environment; never rejects. */
function fetchModel(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const fullEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', PARLEY_MODEL_BASE_URL: baseUrl, ...env };
    execFile('bash', [SCRIPT, ...args], { env: fullEnv, timeout: 8000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Builds NAME.tar.bz2 from `files` under the folder `top` (sherpa-onnx's archives hold NAME/). */
function addArchive(name: string, files: Record<string, string>, options: { top?: string; tarArgs?: string[]; links?: Record<string, string> } = {}): Archive {
  const top = options.top ?? name;
  const src = mkdtempSync(join(work, 'src-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(src, top, path)), { recursive: true });
    writeFileSync(join(src, top, path), content);
  }
  for (const [path, target] of Object.entries(options.links ?? {})) symlinkSync(target, join(src, top, path));
  const out = join(work, `${name}.tar.bz2`);
  execFileSync('tar', ['-cjf', out, '-C', src, ...(options.tarArgs ?? []), top], { stdio: ['ignore', 'ignore', 'ignore'] });
  const bytes = readFileSync(out);
  const archive = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  archives.set(`/${name}.tar.bz2`, archive);
  return archive;
}

/** What session.started reports as the model's sha256: the four files' contents hashed in order, 16 hex digits. */
function versionHash(files: string[]): string {
  const hash = createHash('sha256');
  for (const name of [...files, 'tokens.txt']) hash.update(MODEL_FILES[name]!);
  return hash.digest('hex').slice(0, 16);
}

function without(names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(MODEL_FILES).filter(([n]) => !names.includes(n)));
}

/** A fresh folder to fetch into; the script creates DEST inside it. */
function newParent(): string {
  return mkdtempSync(join(work, 'dest-'));
}

function requestsFor(name: string): { path: string; range: string | undefined }[] {
  return requests.filter((r) => r.path === `/base/${name}.tar.bz2`);
}

/** Serves the archives under /base/ with `Range: bytes=N-` support, as GitHub's storage does. */
function handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const path = req.url ?? '';
  requests.push({ path, range: req.headers.range });
  const archive = path.startsWith('/base/') ? archives.get(path.slice('/base'.length)) : undefined;
  if (archive === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    return;
  }
  if (flaky.delete(path)) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('try again');
    return;
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    if (start >= archive.bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${archive.bytes.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-type': 'application/octet-stream',
      'content-length': archive.bytes.length - start,
      'content-range': `bytes ${start}-${archive.bytes.length - 1}/${archive.bytes.length}`,
    });
    res.end(archive.bytes.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': archive.bytes.length, 'accept-ranges': 'bytes' });
  if (cut.delete(path)) {
    res.write(archive.bytes.subarray(0, archive.bytes.length >> 1), () => res.destroy());
    return;
  }
  res.end(archive.bytes);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'parley-fetch-model-'));
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('scripts/fetch-model.sh', () => {
  it('has --help and refuses bad arguments before downloading anything', async () => {
    const help = await fetchModel(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('PARLEY_MODEL_BASE_URL');
    expect(help.stdout).toContain('--accept-hash');
    expect(help.stdout).toContain(KNOWN);

    const before = requests.length;
    expect((await fetchModel([])).code).toBe(2);
    const badHash = await fetchModel([KNOWN, join(newParent(), 'm'), '--accept-hash', 'abc123']);
    expect(badHash.code).toBe(2);
    expect(badHash.stderr).toMatch(/64 hex digits/);
    const badName = await fetchModel(['../etc/passwd']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/bad model name/);
    const badBase = await fetchModel([KNOWN, join(newParent(), 'm')], { PARLEY_MODEL_BASE_URL: 'file:///etc' });
    expect(badBase.code).toBe(2);
    expect(requests.length).toBe(before);
  });

  it('refuses an archive whose hash is not pinned, prints its hash, and installs it once that hash is accepted', async () => {
    const archive = addArchive(KNOWN, MODEL_FILES);
    const parent = newParent();
    const dest = join(parent, 'zipformer2');

    const refused = await fetchModel([KNOWN, dest]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`no SHA-256 is pinned for ${KNOWN}`);
    expect(refused.stderr).toContain(`--accept-hash ${archive.sha256}`);
    expect(refused.stdout).toBe('');
    expect(existsSync(dest)).toBe(false);
    // Only the downloaded archive is left, for the next run.
    expect(readdirSync(parent)).toEqual([`.${KNOWN}.tar.bz2.part`]);
    expect(requestsFor(KNOWN)).toHaveLength(1);

    const accepted = await fetchModel([KNOWN, dest, '--accept-hash', archive.sha256]);
    expect(accepted.stderr).toContain('using the already downloaded');
    expect(accepted.code).toBe(0);
    expect(requestsFor(KNOWN)).toHaveLength(1);
    expect(accepted.stdout).toBe(`PARLEY_ASR_MODEL_DIR=${dest}\n`);
    const fp32Files = [`encoder-${STEM}.onnx`, `decoder-${STEM}.onnx`, `joiner-${STEM}.onnx`];
    const int8Files = [`encoder-${STEM}.int8.onnx`, `decoder-${STEM}.int8.onnx`, `joiner-${STEM}.int8.onnx`];
    expect(accepted.stderr).toContain(`PARLEY_ASR_MODEL_PRECISION=fp32 loads ${fp32Files.join(' ')} tokens.txt (sha256 ${versionHash(fp32Files)} in session.started)`);
    expect(accepted.stderr).toContain(`PARLEY_ASR_MODEL_PRECISION=int8 loads ${int8Files.join(' ')} tokens.txt (sha256 ${versionHash(int8Files)} in session.started)`);
    expect(readdirSync(parent)).toEqual(['zipformer2']);
    expect(readFileSync(join(dest, 'test_wavs/0.wav'), 'utf8')).toBe('RIFF');

    // The engine's own loader takes the folder the script accepted.
    const fp32 = await findModelFiles(dest, 'fp32');
    expect(fp32.encoder).toBe(join(dest, `encoder-${STEM}.onnx`));
    const int8 = await findModelFiles(dest, 'int8');
    expect(int8.joiner).toBe(join(dest, `joiner-${STEM}.int8.onnx`));
    expect(int8.tokens).toBe(join(dest, 'tokens.txt'));

    // An existing folder is kept unless --force says otherwise.
    writeFileSync(join(dest, 'stale.txt'), 'old');
    const again = await fetchModel([KNOWN, dest, '--accept-hash', archive.sha256]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
    const forced = await fetchModel(['--force', KNOWN, dest], { PARLEY_MODEL_SHA256: archive.sha256.toUpperCase() });
    expect(forced.code).toBe(0);
    expect(existsSync(join(dest, 'stale.txt'))).toBe(false);
    expect(existsSync(join(dest, 'tokens.txt'))).toBe(true);
  });

  it('refuses and deletes an archive with the wrong hash, leaving nothing behind', async () => {
    const name = 'parley-test-wrong-hash';
    addArchive(name, MODEL_FILES);
    const parent = newParent();
    const dest = join(parent, 'm');
    const result = await fetchModel([name, dest, '--accept-hash', '0'.repeat(64)]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('SHA-256 mismatch');
    expect(result.stderr).toContain(`expected: ${'0'.repeat(64)}`);
    expect(result.stdout).toBe('');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a folder without the files the engine needs', async () => {
    const noJoiner = addArchive('parley-test-no-joiner', without([`joiner-${STEM}.onnx`, `joiner-${STEM}.int8.onnx`]));
    const parent = newParent();
    const result = await fetchModel(['parley-test-no-joiner', join(parent, 'm'), '--accept-hash', noJoiner.sha256]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no joiner*.onnx');
    expect(result.stderr).toMatch(/Nothing was installed/);
    expect(result.stdout).toBe('');
    expect(readdirSync(parent)).toEqual([]);

    const noTokens = addArchive('parley-test-no-tokens', without(['tokens.txt']));
    const r2 = await fetchModel(['parley-test-no-tokens', join(parent, 'm'), '--accept-hash', noTokens.sha256]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('no tokens.txt');

    // Two fp32 encoders: the engine could not tell which to load.
    const twoEncoders = addArchive('parley-test-two-encoders', { ...without([`encoder-${STEM}.int8.onnx`]), 'encoder-epoch-30.onnx': 'decode_chunk_len' });
    const r3 = await fetchModel(['parley-test-two-encoders', join(parent, 'm'), '--accept-hash', twoEncoders.sha256]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('more than one encoder*.onnx');
    expect(readdirSync(parent)).toEqual([]);
    await expect(findModelFiles(join(work, 'nonexistent'))).rejects.toThrow();
  });

  it('accepts an int8-only folder and says what each precision loads', async () => {
    const name = 'parley-test-int8-only';
    const archive = addArchive(name, without([`encoder-${STEM}.onnx`, `decoder-${STEM}.onnx`, `joiner-${STEM}.onnx`]));
    const dest = join(newParent(), 'm');
    const result = await fetchModel([name, dest, '--accept-hash', archive.sha256]);
    expect(result.code).toBe(0);
    // fp32 falls back to the int8 files, as the engine's loader does.
    expect(result.stderr).toContain(`PARLEY_ASR_MODEL_PRECISION=fp32 loads encoder-${STEM}.int8.onnx decoder-${STEM}.int8.onnx joiner-${STEM}.int8.onnx tokens.txt`);
    expect((await findModelFiles(dest, 'fp32')).encoder).toBe(join(dest, `encoder-${STEM}.int8.onnx`));
  });

  it('warns when the encoder lacks streaming metadata', async () => {
    const name = 'parley-test-offline';
    const files = { ...MODEL_FILES, [`encoder-${STEM}.onnx`]: 'offline export', [`encoder-${STEM}.int8.onnx`]: 'offline export' };
    const archive = addArchive(name, files);
    const result = await fetchModel([name, join(newParent(), 'm'), '--accept-hash', archive.sha256]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: encoder-.*no decode_chunk_len metadata/);
  });

  it('refuses archives with unsafe paths or links', async () => {
    const parent = newParent();
    const escape = addArchive('parley-test-escape', MODEL_FILES, { tarArgs: ['--transform', 's,^,../,'] });
    const r1 = await fetchModel(['parley-test-escape', join(parent, 'm'), '--accept-hash', escape.sha256]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('unsafe path');

    const linked = addArchive('parley-test-link', without(['tokens.txt']), { links: { 'tokens.txt': '/etc/passwd' } });
    const r2 = await fetchModel(['parley-test-link', join(parent, 'm'), '--accept-hash', linked.sha256]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('other than files and folders');
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(join(work, 'm'))).toBe(false);
  });

  it('says so when the name is not published', async () => {
    const result = await fetchModel(['sherpa-onnx-streaming-zipformer-xx-nope', join(newParent(), 'm')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not found (HTTP 404)');
  });

  it('resumes a partial download and retries a failed request', async () => {
    const name = 'parley-test-resume';
    const archive = addArchive(name, MODEL_FILES);
    const parent = newParent();
    const half = Math.floor(archive.bytes.length / 2);
    writeFileSync(join(parent, `.${name}.tar.bz2.part`), archive.bytes.subarray(0, half));
    flaky.add(`/base/${name}.tar.bz2`);
    const result = await fetchModel([name, join(parent, 'm'), '--accept-hash', archive.sha256]);
    expect(result.stderr).toContain('resuming');
    expect(result.code).toBe(0);
    expect(requestsFor(name).map((r) => r.range)).toEqual([`bytes=${half}-`, `bytes=${half}-`]);
    expect(readdirSync(parent)).toEqual(['m']);
  });

  it('resumes a transfer cut off mid-way', async () => {
    const name = 'parley-test-cut';
    const archive = addArchive(name, MODEL_FILES);
    cut.add(`/base/${name}.tar.bz2`);
    const parent = newParent();
    const result = await fetchModel([name, join(parent, 'm'), '--accept-hash', archive.sha256]);
    expect(result.stderr).toContain('transfer interrupted (curl exit 18); resuming');
    expect(result.code).toBe(0);
    expect(requestsFor(name).map((r) => r.range)).toEqual([undefined, `bytes=${archive.bytes.length >> 1}-`]);
    expect(readdirSync(parent)).toEqual(['m']);
  });

  it('starts again when the kept download cannot be continued', async () => {
    const name = 'parley-test-stale';
    const archive = addArchive(name, MODEL_FILES);
    const parent = newParent();
    // Longer than the archive (the server answers 416): left from another file.
    writeFileSync(join(parent, `.${name}.tar.bz2.part`), Buffer.alloc(archive.bytes.length + 10, 7));
    const result = await fetchModel([name, join(parent, 'm'), '--accept-hash', archive.sha256]);
    expect(result.stderr).toContain('downloading again from the start');
    expect(result.code).toBe(0);
    expect(requestsFor(name).map((r) => r.range)).toEqual([`bytes=${archive.bytes.length + 10}-`, undefined]);
    expect(readdirSync(parent)).toEqual(['m']);
  });
});
