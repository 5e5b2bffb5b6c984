import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** Where a process's CPU went, by the OS nice value of the thread that used it. */
export interface NiceReport {
  /** CPU seconds used by threads while at each nice value (the value seen at the end of each sampling interval). */
  cpuSecondsByNice: Record<string, number>;
  /** Distinct threads seen at each nice value. */
  threadsByNice: Record<string, number>;
}

interface ThreadStat {
  nice: number;
  /** utime + stime, ticks. */
  ticks: number;
}

function readThreads(pid: number): Map<string, ThreadStat> {
  const threads = new Map<string, ThreadStat>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      // Fields after "comm) ": state is [0], utime [11], stime [12], nice [16].
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      threads.set(tid, { nice: Number(fields[16]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * Samples the nice value and CPU time of every thread of `pid` every `everyMs`, so a run can
 * show whether the server really lowered its decode threads' priority (PARLEY_DECODE_NICE)
 * and how much CPU ran at each priority. `stop()` takes a last sample and reports.
 */
export function sampleThreadNice(pid: number, everyMs = 500): { stop(): NiceReport } {
  const cpuTicks = new Map<number, number>();
  const seen = new Map<number, Set<string>>();
  let previous = readThreads(pid);
  const sample = () => {
    const current = readThreads(pid);
    for (const [tid, stat] of current) {
      const before = previous.get(tid)?.ticks ?? 0;
      cpuTicks.set(stat.nice, (cpuTicks.get(stat.nice) ?? 0) + Math.max(0, stat.ticks - before));
      if (!seen.has(stat.nice)) seen.set(stat.nice, new Set());
      seen.get(stat.nice)!.add(tid);
    }
    previous = current;
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const byNice = <T>(map: Map<number, T>, f: (v: T) => number) =>
        Object.fromEntries([...map.entries()].sort(([a], [b]) => a - b).map(([nice, v]) => [String(nice), f(v)]));
      return {
        cpuSecondsByNice: byNice(cpuTicks, (t) => +(t / USER_HZ).toFixed(2)),
        threadsByNice: byNice(seen, (s) => s.size),
      };
    },
  };
}
