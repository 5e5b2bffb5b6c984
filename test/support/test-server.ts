import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from '../../server/config/server-options.js';
import { startParleyServer, type ParleyServer, type ParleyServerDeps } from '../../server/parley-server.js';

/**
 * A real Parley server on free loopback ports, models loaded; load-based admission off and
 * logging silent unless a test turns them on.
 */
export async function startTestServer(overrides: Partial<ServerOptions> = {}, deps: ParleyServerDeps = {}): Promise<ParleyServer & { url: string }> {
  const server = await startParleyServer(
    {
      ...DEFAULT_SERVER_OPTIONS,
      port: 0,
      grpcPort: 0,
      host: '127.0.0.1',
      prewarmDecoders: 1,
      admissionMaxUtilization: 1,
      logLevel: 'silent',
      ...overrides,
    },
    deps,
  );
  // A server whose models failed to load leaves no listener behind in the test process.
  await server.ready.catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  return Object.assign(server, { url: `ws://127.0.0.1:${server.port}/v1/listen` });
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
