import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** The machine's CPU seconds so far, all cores together (/proc/stat's first line). */
export interface MachineCpu {
  busy: number;
  steal: number;
}

export function machineCpu(): MachineCpu {
  // user nice system idle iowait irq softirq steal
  const t = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (t[0]! + t[1]! + t[2]! + t[5]! + t[6]!) / USER_HZ, steal: (t[7] ?? 0) / USER_HZ };
}

/**
 * What the rest of the machine did while a run took `ownCpu` seconds over `wall` seconds: the
 * cores other processes kept busy, and the share of all cores the hypervisor stole. The
 * project's machine is a shared 2-core virtual machine, so both are reported beside every
 * figure: they change wall-clock time (and caches) without changing the work measured.
 */
export function machineLoad(before: MachineCpu, after: MachineCpu, ownCpu: number, wall: number): { othersCores: number; stealPct: number } {
  const cores = availableParallelism();
  return {
    othersCores: Math.max(0, (after.busy - before.busy - ownCpu) / wall),
    stealPct: (100 * (after.steal - before.steal)) / (wall * cores),
  };
}
