import type { IncomingMessage } from 'node:http';
import { ParleyError } from '../../proto/errors.js';

/**
 * A request's whole body, or `too_large` as soon as it is known to pass `maxBytes` (from
 * `Content-Length`, or while reading): the rest is never buffered. Node's request timeout
 * bounds a client that sends slowly.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ParleyError('too_large', `the request body is larger than ${maxBytes} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    // A promise settles once: after 'end' this is a no-op.
    req.once('close', () => reject(new ParleyError('bad_request', 'the request body ended early')));
  });
}
