import { status } from '@grpc/grpc-js';
import { connect as connectHttp2 } from 'node:http2';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParleyGrpcClient } from '../clients/parley-grpc-client.js';
import { RawGrpcCall } from './support/grpc-raw-call.js';
import { TESTDATA_DIR } from './support/librivox.js';
import { captureLog } from './support/log-capture.js';
import { startTestServer, waitFor } from './support/test-server.js';

const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const pcm = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);
const HTTP2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** Sends raw bytes to a port and resolves once the server closes the socket (or after `waitMs`). */
function sendRaw(port: number, bytes: Buffer, waitMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', () => undefined);
    socket.on('error', done);
    socket.on('close', done);
  });
}

async function serveOneCall(grpcPort: number): Promise<string> {
  const client = new ParleyGrpcClient({ address: `127.0.0.1:${grpcPort}` });
  const finals: string[] = [];
  client.on('turn.end', (event) => finals.push(event.text));
  await client.started;
  for (let at = 0; at < pcm.length; at += 3200) await client.sendAudio(pcm.subarray(at, at + 3200));
  await client.stop();
  expect((await client.closed).code).toBe(status.OK);
  return finals.join(' ');
}

describe('gRPC against hostile and careless clients', () => {
  it('survives HTTP/2 garbage and still serves a call', async () => {
    const server = await startTestServer();
    try {
      const garbage = [
        Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        Buffer.from(HTTP2_PREFACE + '\x00\x00\x04\x08\x00\x00\x00\x00\x00garbage-frames'),
        Buffer.concat([Buffer.from(HTTP2_PREFACE), Buffer.alloc(64, 0xff)]),
        Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)),
      ];
      for (const bytes of garbage) await sendRaw(server.grpcPort, bytes);
      expect(await serveOneCall(server.grpcPort)).toBe('go forward ten meters');
    } finally {
      await server.close();
    }
  });

  it('ends a call that sends no config within startTimeoutMs with DEADLINE_EXCEEDED (start_timeout)', async () => {
    const server = await startTestServer({ startTimeoutMs: 300, webrtcStartWaitMs: 0 });
    try {
      // A raw call that opens and sends nothing: the typed client would send its config at once.
      const silent = new RawGrpcCall(`127.0.0.1:${server.grpcPort}`);
      const end = await silent.status;
      expect(end.code).toBe(status.DEADLINE_EXCEEDED);
      expect(end.metadata.get('parley-error-code')).toEqual(['start_timeout']);
      await waitFor(() => server.registry.pendingConnections === 0);
    } finally {
      await server.close();
    }
  });

  it('refuses a session over the per-address limit with RESOURCE_EXHAUSTED, limit_exceeded and a retry hint', async () => {
    const server = await startTestServer({ maxSessionsPerAddress: 1 });
    try {
      const first = new ParleyGrpcClient({ address: `127.0.0.1:${server.grpcPort}` });
      await first.started;
      const second = new ParleyGrpcClient({ address: `127.0.0.1:${server.grpcPort}` });
      const refused = await second.closed;
      expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED, errorCode: 'limit_exceeded', retryAfterMs: 1000 });
      await first.stop();
      expect(server.registry.activeSessions).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('ends the session of a client that never reads once its unread responses pass the hard limit', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({ outboundSoftLimitBytes: 1024, outboundHardLimitBytes: 64 * 1024 }, { log });
    const session = connectHttp2(`http://127.0.0.1:${server.grpcPort}`);
    session.on('error', () => undefined);
    try {
      // A bare HTTP/2 client whose stream is paused: it never opens its flow-control window,
      // as a frozen peer would. (grpc-js's own client keeps reading into memory.)
      const stream = session.request({
        ':method': 'POST',
        ':path': '/parley.v1.Voice/StreamingRecognize',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      stream.pause();
      stream.write(grpcFrame(Buffer.from([0x0a, 0x00]))); // { config: {} }
      await waitFor(() => server.registry.activeSessions === 1);
      // Each empty request earns a bad_message event the client leaves unread.
      for (let i = 0; i < 20_000 && server.registry.activeSessions === 1; i++) {
        stream.write(grpcFrame(Buffer.alloc(0)));
        if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitFor(() => server.registry.activeSessions === 0, 10_000);
      expect(lines.find((l) => l.event === 'session_end')).toMatchObject({ reason: 'error', error_codes: expect.arrayContaining(['slow_consumer']) });
    } finally {
      session.destroy();
      await server.close();
    }
  });
});

/** One gRPC length-prefixed message: uncompressed flag, 4-byte big-endian length, bytes. */
function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}
