import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { ParleyError } from '../../proto/errors.js';
import { projectRoot } from '../../proto/project-root.js';
import { allowGet } from './health-metrics-handlers.js';
import type { HttpHandler } from './http-handler.js';
import { sendRefusal } from './http-refusal.js';

/** The built widget (clients/web/tsconfig.json's outDir) mirrors the repository under this prefix. */
const WEB_PREFIX = '/web/';
const ENTRY_PATH = '/widget.js';
const ENTRY_MODULE = 'clients/web/widget.js';
/**
 * /widget.js re-exports the built entry, so that the relative imports of the modules behind
 * it (../../proto/, the worklet's ../../audio/) resolve under /web/ as they do in dist/web.
 */
const ENTRY_SOURCE = `export * from './web/${ENTRY_MODULE}';\n`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export interface WidgetHandlerOptions {
  /** The built widget; default dist/web. */
  webDir?: string;
  /** The demo page served at `/`; default clients/web/demo.html. */
  demoPage?: string;
}

/**
 * The browser call widget: `/widget.js` (the entry a page imports), the modules it imports
 * under `/web/`, and a demo page at `/`. Only files known when the server starts are served:
 * the demo page and the .js/.map files found in dist/web then, looked up by exact path, so
 * no request path ever reaches the file system. GET and HEAD only; each answer carries an
 * ETag and `no-cache` (revalidate, 304 when unchanged), so a rebuilt widget is never stale.
 */
export function widgetHandler(options: WidgetHandlerOptions = {}): HttpHandler {
  const webDir = options.webDir ?? join(projectRoot(), 'dist', 'web');
  const files = new Map<string, string>([['/', options.demoPage ?? join(projectRoot(), 'clients', 'web', 'demo.html')]]);
  for (const module of builtModules(webDir)) files.set(WEB_PREFIX + module, join(webDir, module));
  const built = files.has(WEB_PREFIX + ENTRY_MODULE);
  return {
    matches: (path) => path === '/' || path === ENTRY_PATH || path.startsWith(WEB_PREFIX),
    handle: async (req, res, target) => {
      if (!allowGet(req, res)) return;
      if (target.path === ENTRY_PATH && built) return send(req, res, ENTRY_PATH, Buffer.from(ENTRY_SOURCE));
      const file = files.get(target.path);
      if (file === undefined || !existsSync(file)) {
        const hint = target.path === ENTRY_PATH || target.path.startsWith(WEB_PREFIX) ? ' (is the widget built? npm run build:ts)' : '';
        return sendRefusal(res, new ParleyError('not_found', `nothing at ${target.path}${hint}`));
      }
      return send(req, res, file, await readFile(file));
    },
  };
}

/** The .js and .js.map files under `dir`, as /-separated paths relative to it; none when it does not exist. */
function builtModules(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.js') || path.endsWith('.js.map'))
    .map((path) => path.split(sep).join('/'));
}

function send(req: IncomingMessage, res: ServerResponse, name: string, body: Buffer): void {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
  };
  // Pages on other origins load the widget as a module script and its worklet with
  // addModule; both are CORS requests. The files are public and carry no credentials.
  if (name.endsWith('.js') || name.endsWith('.map')) headers['access-control-allow-origin'] = '*';
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
