import './threadpool-size.js';
import { serverOptionsFromEnv } from './config/server-options.js';
import { startParleyServer } from './parley-server.js';

const options = serverOptionsFromEnv(process.env);
const server = await startParleyServer(options);
console.log(`parley: listening on ${options.host}:${server.port} (gRPC ${server.grpcPort}), loading models`);
if (options.apiKeys.length === 0) console.log('parley: PARLEY_API_KEYS is not set: authentication is off');
server.ready.then(
  () => console.log('parley: models loaded, ready'),
  (error) => {
    console.error('parley: could not load the models:', error);
    process.exit(1);
  },
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`parley: ${signal}, shutting down`);
    server.close().then(() => process.exit(0));
  });
}
