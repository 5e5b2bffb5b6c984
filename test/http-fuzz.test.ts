import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../clients/replay.js';
import { CrashWatch } from './support/crash-watch.js';
import { encodeFuzzRequest, fuzzRequest } from './support/http-request-arbitrary.js';
import { KNOWN_BAD_REQUESTS } from './support/known-bad-requests.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { isWellFormedAnswer, rawHttpExchange, type RawHttpAnswer } from './support/raw-http.js';
import { startTestServer } from './support/test-server.js';

/**
 * How long one request may go without an answer or a close. Every request is complete and
 * half-closed (see rawHttpExchange), so a server that still says nothing is hanging; the
 * loopback round trip it bounds takes milliseconds.
 */
const ANSWER_BOUND_MS = 5000;
const NUM_RUNS = 200;

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

describe('raw HTTP requests, plausible to malformed', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let watch: CrashWatch;

  beforeAll(async () => {
    server = await startTestServer();
    watch = new CrashWatch();
  });
  afterAll(async () => {
    watch?.close();
    await server?.close();
  });

  /**
   * Sends one request; the server must not throw (in its own process that would end it), must
   * answer or close, and whatever it answers must start with a well-formed status line.
   */
  async function exchange(request: Uint8Array | string): Promise<RawHttpAnswer> {
    const before = watch.crashes.length;
    const answer = await watch.orCrash(rawHttpExchange(server.port, request, ANSWER_BOUND_MS));
    // An unhandled rejection is reported after the tick that caused it.
    await new Promise((resolve) => setImmediate(resolve));
    const crashes = watch.since(before);
    if (answer === 'crashed' || crashes.length > 0) throw new Error(`the server threw: ${crashes.join('; ')}`);
    expect(['answered', 'closed'], 'the server neither answered nor closed').toContain(answer.ending);
    expect(isWellFormedAnswer(answer.received), `not an HTTP status line: ${JSON.stringify(answer.received.slice(0, 80))}`).toBe(true);
    return answer;
  }

  it.each(KNOWN_BAD_REQUESTS)('refuses $name with a 4xx status', async ({ request }) => {
    const answer = await exchange(request);
    expect(answer.received).toMatch(/^HTTP\/1\.[01] 4\d\d/);
  });

  it('answers every generated request with a status line or a close, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest(), async (request) => {
        await exchange(encodeFuzzRequest(request));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('still serves a call of real speech over the WebSocket, and /healthz', async () => {
    const result = await replay({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: pcm }, { url: server.url, speed: 2, chunkMs: 40 });
    expect(result.closeCode).toBe(1000);
    expect(result.turns.map((t) => t.text).join(' ')).toBe('go forward ten meters');
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });
});

describe('a TCP connection that never sends a byte', () => {
  it('is closed by the server after PARLEY_HTTP_HEADERS_TIMEOUT_MS', async () => {
    const server = await startTestServer({ httpHeadersTimeoutMs: 300 });
    try {
      const sockets = Array.from({ length: 5 }, () => connect(server.port, '127.0.0.1'));
      const closed = await Promise.all(
        sockets.map((socket) => new Promise<boolean>((resolve) => {
          socket.on('error', () => undefined);
          socket.on('close', () => resolve(true));
          setTimeout(() => resolve(false), 10_000);
        })),
      );
      expect(closed).toEqual([true, true, true, true, true]);
    } finally {
      await server.close();
    }
  });
});

describe('the HTTP connection cap', () => {
  it('drops TCP connections past PARLEY_MAX_HTTP_CONNECTIONS and serves again once they go', async () => {
    // A long idle timeout: only the cap can close the extra connection.
    const server = await startTestServer({ maxHttpConnections: 3, httpHeadersTimeoutMs: 120_000, httpRequestTimeoutMs: 120_000 });
    try {
      const held = Array.from({ length: 3 }, () => connect(server.port, '127.0.0.1'));
      await Promise.all(held.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
      const extra = connect(server.port, '127.0.0.1');
      extra.on('error', () => undefined);
      await new Promise((resolve) => extra.once('close', resolve));
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
