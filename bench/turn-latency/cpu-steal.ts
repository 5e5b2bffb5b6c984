import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU seconds the hypervisor took from this machine's cores so far (/proc/stat "steal"). On a
 * shared virtual machine it changes wall-clock throughput from one minute to the next, so
 * the benchmark reports it beside every throughput it times.
 */
export function stolenCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(fields[8] ?? 0) / USER_HZ;
}
