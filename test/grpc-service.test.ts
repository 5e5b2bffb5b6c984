import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyGrpcClient } from '../clients/parley-grpc-client.js';
import { DEFAULT_SERVER_OPTIONS } from '../server/config/server-options.js';
import { startParleyServer } from '../server/parley-server.js';
import { checkHealth, reflect, watchHealth } from './support/grpc-standard-services.js';
import { startTestServer, waitFor } from './support/test-server.js';

const VOICE = 'parley.v1.Voice';

describe('standard gRPC services beside Voice', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let address: string;
  beforeAll(async () => {
    server = await startTestServer();
    address = `127.0.0.1:${server.grpcPort}`;
  });
  afterAll(() => server?.close());

  it('health answers SERVING for the server and for Voice once the models are loaded', async () => {
    expect(await checkHealth(address, '')).toBe('SERVING');
    expect(await checkHealth(address, VOICE)).toBe('SERVING');
    await expect(checkHealth(address, 'no.such.Service')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('reflection lists the Voice and health services and describes StreamingRecognize', async () => {
    const listed = await reflect(address, { list_services: '*' });
    const names = listed.list_services_response!.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([VOICE, 'grpc.health.v1.Health']));
    const described = await reflect(address, { file_containing_symbol: VOICE });
    const descriptors = Buffer.concat(described.file_descriptor_response!.file_descriptor_proto).toString('latin1');
    expect(descriptors).toContain('StreamingRecognize');
    expect(descriptors).toContain('TranscriptPartial');
  });
});

describe('the gRPC endpoint over a server lifetime', () => {
  it('is NOT_SERVING while the models load, SERVING once loaded, and ends calls with UNAVAILABLE on shutdown', async () => {
    const server = await startParleyServer({ ...DEFAULT_SERVER_OPTIONS, port: 0, grpcPort: 0, host: '127.0.0.1', prewarmDecoders: 1, logLevel: 'silent' });
    const address = `127.0.0.1:${server.grpcPort}`;
    try {
      // Loading takes seconds; Watch reports every change from the current status on.
      expect(await watchHealth(address, VOICE, 2)).toEqual(['NOT_SERVING', 'SERVING']);
      const client = new ParleyGrpcClient({ address });
      await client.started;
      expect(server.registry.activeSessions).toBe(1);
      const ended = new Promise((resolve) => client.once('session.ended', resolve));
      await server.close();
      expect(await ended).toMatchObject({ reason: 'server_shutdown' });
      expect((await client.closed).code).toBe(status.UNAVAILABLE);
      await waitFor(() => server.registry.activeSessions === 0, 1000);
    } finally {
      await server.close();
    }
  });
});
