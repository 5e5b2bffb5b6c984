import { connect } from 'node:net';

/** How one raw exchange ended. */
export type RawHttpEnding =
  /** A whole response head (status line and headers) came back. */
  | 'answered'
  /** The server closed or reset the connection, with or without a partial answer. */
  | 'closed'
  /** Nothing is listening: the server process is gone. */
  | 'refused'
  /** Neither an answer nor a close within the bound. */
  | 'timeout';

export interface RawHttpAnswer {
  ending: RawHttpEnding;
  /** What the server sent before the exchange ended (all of its response head when answered). */
  received: string;
  /** The status code when `received` starts with a well-formed status line, else null. */
  status: number | null;
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [^\r\n]*)?\r\n/;
const HEAD_END = '\r\n\r\n';
/** A response head longer than this is not one the property cares about. */
const MAX_RECEIVED = 64 * 1024;

/** True when `received` is empty (no answer) or begins with a well-formed HTTP/1.x status line. */
export function isWellFormedAnswer(received: string): boolean {
  return received.length === 0 || STATUS_LINE.test(received);
}

/**
 * Sends `request` bytes as they are over a fresh TCP connection to 127.0.0.1:`port`, then
 * half-closes: the server then has all it will ever get, so an incomplete request (a short
 * body, no blank line) is the server's to refuse, never a reason for it to wait. Reads until
 * a whole response head, a close, or `timeoutMs`.
 */
export function rawHttpExchange(port: number, request: Uint8Array | string, timeoutMs: number): Promise<RawHttpAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let connected = false;
    let done = false;
    const finish = (ending: RawHttpEnding) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = STATUS_LINE.exec(received)?.[1];
      resolve({ ending, received, status: status === undefined ? null : Number(status) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.end(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes(HEAD_END) || received.length > MAX_RECEIVED) finish('answered');
    });
    socket.on('error', () => finish(connected ? 'closed' : 'refused'));
    socket.on('close', () => finish('closed'));
  });
}
