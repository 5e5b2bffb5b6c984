import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { ParleyGrpcClient } from '../clients/parley-grpc-client.js';
import { goForward, concatAudio, silence } from './support/audio-fixtures.js';
import { loadLibriVox } from './support/librivox.js';
import { RawGrpcCall } from './support/grpc-raw-call.js';
import { startTestServer, waitFor } from './support/test-server.js';

const KEY = 'grpc-test-key';
const AUTH = { authorization: `Bearer ${KEY}` };
const MAX_MESSAGE_BYTES = 64 * 1024;
/** 40 ms of 16 kHz pcm_s16le. */
const CHUNK_BYTES = 1280;

function sendInChunks(call: RawGrpcCall, audio: Uint8Array): void {
  for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) call.send({ audio: audio.subarray(offset, offset + CHUNK_BYTES) });
}

describe('gRPC errors, auth and lifecycle', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let address: string;
  beforeAll(async () => {
    // Capacity here is maxSessions alone: load-based admission is tested elsewhere.
    server = await startTestServer({ apiKeys: [KEY], maxSessions: 2, maxMessageBytes: MAX_MESSAGE_BYTES, admissionMaxUtilization: 1 });
    address = `127.0.0.1:${server.grpcPort}`;
  });
  afterAll(() => server?.close());

  /** Every test leaves the server as it found it: no session behind. */
  async function expectNoSessionLeft(): Promise<void> {
    await waitFor(() => server.registry.activeSessions === 0, 2000);
  }

  it.each([
    ['missing', {}],
    ['wrong', { authorization: 'Bearer not-the-key' }],
    ['malformed', { authorization: KEY }],
  ])('a %s key gets UNAUTHENTICATED before any session exists', async (_, headers) => {
    const call = new RawGrpcCall(address, headers);
    call.send({ config: {} });
    const end = await call.status;
    expect(end.code).toBe(status.UNAUTHENTICATED);
    expect(end.metadata.get('parley-error-code')).toEqual(['unauthorized']);
    expect(call.events).toEqual([]);
    expect(server.registry.activeSessions).toBe(0);
  });

  it('a first request that is not the config gets INVALID_ARGUMENT', async () => {
    const call = new RawGrpcCall(address, AUTH);
    call.send({ audio: new Uint8Array(640) });
    const end = await call.status;
    expect(end.code).toBe(status.INVALID_ARGUMENT);
    expect(end.details).toMatch(/first request must be "config"/);
    expect(end.metadata.get('parley-error-code')).toEqual(['bad_config']);
    expect(call.events).toEqual([]);
    await expectNoSessionLeft();
  });

  it.each([
    ['an unknown encoding', { encoding: 'opus' }],
    ['a sample rate out of range', { sample_rate: 4000 }],
    ['three channels', { channels: 3 as 1 }],
    ['eager_end_ms above end_ms', { eager_end_ms: 900, end_ms: 800 }],
  ])('a config with %s gets INVALID_ARGUMENT, by the WebSocket rules', async (_, config) => {
    const client = new ParleyGrpcClient({ address, apiKey: KEY, config: config as never });
    const end = await client.closed;
    expect(end).toMatchObject({ code: status.INVALID_ARGUMENT, errorCode: 'bad_config' });
    await expect(client.started).rejects.toThrow(/INVALID_ARGUMENT/);
    await expectNoSessionLeft();
  });

  it('a half-close before the config gets INVALID_ARGUMENT', async () => {
    const call = new RawGrpcCall(address, AUTH);
    call.end();
    expect((await call.status).code).toBe(status.INVALID_ARGUMENT);
    await expectNoSessionLeft();
  });

  it('bad audio and a second config are non-fatal error events; the call goes on and ends OK', async () => {
    const call = new RawGrpcCall(address, AUTH);
    call.send({ config: { encoding: 'pcm_s16le' } });
    await call.next('session.started');
    call.send({ audio: new Uint8Array(3) });
    call.send({ config: {} });
    call.send({} as never);
    sendInChunks(call, encodeSamples(concatAudio(silence(200), goForward(), silence(900)), 'pcm_s16le'));
    call.send({ stop: {} });
    const end = await call.status;
    expect(end.code).toBe(status.OK);
    const errors = call.events.filter((e) => e.type === 'error');
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([
      ['bad_audio', false],
      ['bad_message', false],
      ['bad_message', false],
    ]);
    expect(call.events.filter((e) => e.type === 'turn.end').map((e) => e.text)).toEqual(['go forward ten meters']);
    expect(call.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'stop' });
    await expectNoSessionLeft();
  });

  it('the typed client passes non-fatal errors on, with or without an "error" listener', async () => {
    const client = new ParleyGrpcClient({ address, apiKey: KEY });
    const events: string[] = [];
    client.on('event', (event) => events.push(event.type === 'error' ? `error ${event.code}` : event.type));
    await client.started;
    await client.sendAudio(new Uint8Array(3));
    expect(await client.stop()).toMatchObject({ reason: 'stop' });
    expect(events).toEqual(['session.started', 'error bad_audio', 'session.ended']);
    expect((await client.closed).code).toBe(status.OK);
  });

  it('a half-close after audio works as stop', async () => {
    const call = new RawGrpcCall(address, AUTH);
    call.send({ config: {} });
    sendInChunks(call, encodeSamples(concatAudio(silence(200), goForward(), silence(300)), 'pcm_s16le'));
    call.end();
    expect((await call.status).code).toBe(status.OK);
    expect(call.events.filter((e) => e.type === 'turn.end')).toHaveLength(1);
    expect(call.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'stop' });
  });

  it('a full server gets RESOURCE_EXHAUSTED; a freed slot is usable again', async () => {
    const holders = [new RawGrpcCall(address, AUTH), new RawGrpcCall(address, AUTH)];
    holders.forEach((h) => h.send({ config: {} }));
    await Promise.all(holders.map((h) => h.next('session.started')));
    const refused = new ParleyGrpcClient({ address, apiKey: KEY });
    expect(await refused.closed).toMatchObject({ code: status.RESOURCE_EXHAUSTED, errorCode: 'capacity_exceeded' });
    holders.forEach((h) => h.cancel());
    await expectNoSessionLeft();
    const admitted = new ParleyGrpcClient({ address, apiKey: KEY });
    await admitted.started;
    admitted.close();
    await expectNoSessionLeft();
  });

  // With seconds of speech queued, a graceful stop would free the slot far later than "at once".
  it('a client that cancels mid-stream frees its session at once, dropping queued audio', async () => {
    const client = new ParleyGrpcClient({ address, apiKey: KEY });
    const speech = concatAudio(...loadLibriVox().map((u) => u.samples));
    const audio = encodeSamples(speech.subarray(0, 16000 * 8), 'pcm_s16le');
    await client.started;
    for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) {
      void client.sendAudio(audio.subarray(offset, offset + CHUNK_BYTES)).catch(() => undefined);
    }
    await new Promise((resolve) => client.once('speech.started', resolve));
    expect(server.registry.activeSessions).toBe(1);
    client.close();
    // Measured here: about 50 ms; finishing the queued audio instead takes 700 ms and more.
    await waitFor(() => server.registry.activeSessions === 0, 400);
    expect((await client.closed).code).toBe(status.CANCELLED);
  });

  it('a passed deadline ends the call with DEADLINE_EXCEEDED and frees the session', async () => {
    const client = new ParleyGrpcClient({ address, apiKey: KEY, deadline: Date.now() + 1500 });
    await client.started;
    expect(server.registry.activeSessions).toBe(1);
    expect((await client.closed).code).toBe(status.DEADLINE_EXCEEDED);
    await expectNoSessionLeft();
  });

  it('a request larger than max_message_bytes gets RESOURCE_EXHAUSTED and frees the session', async () => {
    const client = new ParleyGrpcClient({ address, apiKey: KEY });
    const started = await client.started;
    expect(started.limits.max_message_bytes).toBe(MAX_MESSAGE_BYTES);
    void client.sendAudio(new Uint8Array(MAX_MESSAGE_BYTES + 2)).catch(() => undefined);
    expect((await client.closed).code).toBe(status.RESOURCE_EXHAUSTED);
    await expectNoSessionLeft();
  });
});
