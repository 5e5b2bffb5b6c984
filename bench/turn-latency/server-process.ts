import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../proto/project-root.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

export interface ServerProcess {
  url: string;
  /** HTTP port (`/metrics`, `/v1/listen`). */
  port: number;
  grpcPort: number;
  pid: number;
  /** The process itself: for signals and its exit. */
  child: ChildProcess;
  /** Everything it has written to stdout so far (its JSON log lines). */
  output(): string;
  /** CPU seconds the server process has used so far (all its threads). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts `npm start`'s entry point on a free port, as a user would, and waits for "ready". */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(projectRoot(), 'dist/server/main.js')], {
    env: { ...process.env, PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const [, port, grpcPort] = /listening on [^:]+:(\d+) \(gRPC (\d+)\)/.exec(output) ?? [];
      if (!port || !grpcPort || !output.includes('ready')) return;
      resolve({
        url: `ws://127.0.0.1:${port}/v1/listen`,
        port: Number(port),
        grpcPort: Number(grpcPort),
        pid: child.pid!,
        child,
        output: () => output,
        cpuSeconds: () => {
          const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
        },
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
