import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ParleyError } from '../../proto/errors.js';
import { httpStatusForError } from './http-status.js';

/** `{"code","message"}`, the body of every refusal before a session exists (design.md 3b). */
function bodyOf(error: ParleyError): string {
  return JSON.stringify({ code: error.code, message: error.message });
}

function retryHeader(error: ParleyError): Record<string, string> {
  return error.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) };
}

/** Answers an HTTP request with the error's status and JSON body (`headers`: e.g. CORS). */
export function sendRefusal(res: ServerResponse, error: ParleyError, headers: Record<string, string> = {}): void {
  const body = bodyOf(error);
  res.writeHead(httpStatusForError(error.code), {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...retryHeader(error),
    ...headers,
  });
  res.end(body);
}

/** Answers an upgrade request on its raw socket (no WebSocket was opened) and closes it. */
export function refuseUpgrade(socket: Duplex, error: ParleyError): void {
  const status = httpStatusForError(error.code);
  const body = bodyOf(error);
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...retryHeader(error),
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
  else socket.destroy();
}
