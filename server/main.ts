import './threadpool-size.js';
import { serverOptionsFromEnv } from './config/server-options.js';
import { createLogger } from './logging/logger.js';
import { startParleyServer } from './parley-server.js';

let options;
try {
  options = serverOptionsFromEnv(process.env);
} catch (error) {
  console.error(`parley: invalid configuration: ${(error as Error).message}`);
  process.exit(2);
}
const log = createLogger(options.logLevel);
const server = await startParleyServer(options, { log });
log.info(
  { event: 'listening', host: options.host, port: server.port, grpc_port: server.grpcPort },
  `listening on ${options.host}:${server.port} (gRPC ${server.grpcPort}), loading models`,
);
server.ready.catch((error: unknown) => {
  log.fatal({ event: 'load_failed', detail: String(error) }, 'could not load the models');
  process.exit(1);
});

// A promise nobody awaited failed: a bug to fix, but not one worth every open call. Logged
// loudly; an uncaught exception still ends the process (its state may be broken).
process.on('unhandledRejection', (reason) => {
  log.error({ event: 'unhandled_rejection', detail: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection');
});

// The first signal drains (design.md section 10); a second one ends the process at once.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      log.warn({ event: 'forced_exit', signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ event: 'shutdown', signal }, 'draining');
    void server.close().then(() => process.exit(0));
  });
}
