// npm run soak: the server as a process under minutes of abuse: well-behaved calls beside
// hostile and careless clients, its resources sampled throughout, and at the end whether
// they came back to the baseline. Prints tables and writes bench/results/soak.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../proto/project-root.js';
import { startServerProcess } from '../turn-latency/server-process.js';
import { HOSTILE_KINDS } from './kinds/hostile-kinds.js';
import type { SoakTarget } from './kinds/visit.js';
import { readProcStats } from './proc-stats.js';
import { parseSoakOptions, type SoakOptions } from './soak-options.js';
import { printKinds, printVerdicts } from './soak-report.js';
import { runSoak, type SoakResult } from './soak-run.js';
import { SoakSpeech } from './soak-speech.js';
import { announcedLimits } from './warm-up.js';

let options: SoakOptions;
try {
  options = parseSoakOptions(process.argv.slice(2), HOSTILE_KINDS.map((k) => k.name));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const speech = SoakSpeech.load();
const server = await startServerProcess({ ...options.env, PORT: String(options.port), GRPC_PORT: String(options.grpcPort) });
const pid = server.pid;
let result: SoakResult;
let target: SoakTarget;
try {
  target = {
    wsUrl: server.url,
    httpPort: Number(new URL(server.url).port),
    grpcAddress: `127.0.0.1:${server.grpcPort}`,
    limits: await announcedLimits(server.url),
    speech,
  };
  console.log(
    `soak: server pid ${pid} on ${target.wsUrl} and gRPC ${target.grpcAddress}; ${options.minutes} min, ` +
      `${options.normalWs} WebSocket + ${options.normalGrpc} gRPC normal calls, ${options.hostileRate} hostile visits/s (${options.kinds.join(', ')})`,
  );
  result = await runSoak(server, pid, target, options);
} finally {
  // stop() waits for an exit event, which a server that already died never sends again.
  if (readProcStats(pid)) await server.stop();
}

printKinds(result.clients);
printVerdicts(result.verdicts);
const out = join(projectRoot(), 'bench/results');
mkdirSync(out, { recursive: true });
const summary = { date: new Date().toISOString(), options, server_pid: pid, limits: target.limits, ...result };
writeFileSync(join(out, 'soak.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log('\nwrote bench/results/soak.json');
process.exit(result.verdicts.every((v) => v.pass) ? 0 : 1);
