import { readdirSync, readFileSync } from 'node:fs';

/** What /proc says about one process. */
export interface ProcStats {
  rssBytes: number;
  /** Open file descriptors: sockets, pipes, files, epoll and event fds. */
  fds: number;
  threads: number;
}

/** Reads /proc/`pid`; null once the process is gone (a zombie counts as gone: it serves nothing). */
export function readProcStats(pid: number): ProcStats | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (/^State:\s+Z/m.test(status)) return null;
    return {
      rssBytes: statusField(status, 'VmRSS') * 1024,
      threads: statusField(status, 'Threads'),
      fds: readdirSync(`/proc/${pid}/fd`).length,
    };
  } catch {
    return null;
  }
}

function statusField(status: string, name: string): number {
  const value = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1];
  if (value === undefined) throw new Error(`/proc status has no ${name}`);
  return Number(value);
}
