import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttpExchange } from '../../test/support/raw-http.js';
import type { HttpHandler } from './http-handler.js';
import { parseRequestTarget } from './request-target.js';
import { widgetHandler } from './widget-handler.js';

const SECRET = 'do-not-serve-this';

/** The handler alone on a plain HTTP server, routed as parley-server routes it. */
async function serve(handler: HttpHandler): Promise<Server> {
  const server = createServer((req, res) => {
    const target = parseRequestTarget(req.url)!;
    if (!target || !handler.matches(target.path)) {
      res.writeHead(404);
      res.end();
      return;
    }
    void handler.handle(req, res, target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('widget handler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-widget-http-'));
  const webDir = join(dir, 'web');
  let server: Server;
  let base: string;

  beforeAll(async () => {
    mkdirSync(join(webDir, 'clients', 'web'), { recursive: true });
    mkdirSync(join(webDir, 'audio'));
    writeFileSync(join(webDir, 'clients', 'web', 'widget.js'), 'export const widget = 1;\n');
    writeFileSync(join(webDir, 'clients', 'web', 'widget.js.map'), '{"version":3}');
    writeFileSync(join(webDir, 'audio', 'resampler.js'), 'export const resampler = 1;\n');
    writeFileSync(join(webDir, 'notes.txt'), SECRET);
    writeFileSync(join(dir, 'secret.js'), SECRET);
    writeFileSync(join(dir, 'demo.html'), '<!doctype html><title>demo</title>');
    server = await serve(widgetHandler({ webDir, demoPage: join(dir, 'demo.html') }));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the demo page at / as HTML', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('<title>demo</title>');
  });

  it('serves /widget.js as a module that re-exports the built entry under /web/, loadable from any origin', async () => {
    const res = await fetch(`${base}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toBe("export * from './web/clients/web/widget.js';\n");
  });

  it('serves every built module and source map under /web/ with its content type', async () => {
    const module = await fetch(`${base}/web/audio/resampler.js`);
    expect(module.status).toBe(200);
    expect(module.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await module.text()).toBe('export const resampler = 1;\n');
    const map = await fetch(`${base}/web/clients/web/widget.js.map`);
    expect(map.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('revalidates with an ETag: 304 while unchanged, never stale', async () => {
    const first = await fetch(`${base}/web/clients/web/widget.js`);
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${base}/web/clients/web/widget.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    writeFileSync(join(webDir, 'clients', 'web', 'widget.js'), 'export const widget = 2;\n');
    const changed = await fetch(`${base}/web/clients/web/widget.js`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe('export const widget = 2;\n');
  });

  it('answers HEAD with the headers only, and any other method with 405', async () => {
    const head = await fetch(`${base}/widget.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/widget.js`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each([
    '/web/notes.txt',
    '/web/clients/web/missing.js',
    '/web/../secret.js',
    '/web/..%2fsecret.js',
    '/web/%2e%2e/secret.js',
    '/web/clients/web/..%2f..%2f..%2fsecret.js',
    '/web//secret.js',
    '/web/clients/web/widget.js/',
  ])('serves nothing it did not build: %s is 404', async (path) => {
    const answer = await rawHttpExchange(Number(new URL(base).port), `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 2000);
    expect(answer.status).toBe(404);
  });

  it('says how to build the widget when dist/web is missing', async () => {
    const unbuilt = await serve(widgetHandler({ webDir: join(dir, 'nowhere'), demoPage: join(dir, 'demo.html') }));
    try {
      const res = await fetch(`http://127.0.0.1:${(unbuilt.address() as AddressInfo).port}/widget.js`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toContain('npm run build:ts');
    } finally {
      unbuilt.close();
    }
  });
});
