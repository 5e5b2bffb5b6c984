import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system) of each of this process's threads, by thread id. */
export function threadCpuSeconds(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Fields after the parenthesised name: state is 3rd, utime the 14th, stime the 15th.
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / USER_HZ);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

/**
 * Where a run's CPU went: the main thread (fbank of Parley's engine, all of sherpa-onnx), the
 * threads a contender started (Parley's engine worker: encoder and search), and the rest
 * (V8's garbage collector and platform threads). 10 ms resolution per thread.
 */
export interface CpuSplit {
  main: number;
  contender: number;
  other: number;
}

/** CPU seconds per thread group between two snapshots; `contenderThreads` are the contender's ids. */
export function cpuSplit(before: Map<number, number>, after: Map<number, number>, contenderThreads: ReadonlySet<number>): CpuSplit {
  const split: CpuSplit = { main: 0, contender: 0, other: 0 };
  for (const [tid, seconds] of after) {
    const used = seconds - (before.get(tid) ?? 0);
    if (tid === process.pid) split.main += used;
    else if (contenderThreads.has(tid)) split.contender += used;
    else split.other += used;
  }
  return split;
}
