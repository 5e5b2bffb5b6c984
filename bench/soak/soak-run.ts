import type { ServerProcess } from '../turn-latency/server-process.js';
import { HOSTILE_KINDS } from './kinds/hostile-kinds.js';
import { pause, type SoakTarget } from './kinds/visit.js';
import { LoadDriver } from './load-driver.js';
import { ResourceSampler, type ResourceSample } from './resource-sampler.js';
import type { SoakOptions } from './soak-options.js';
import { printSample, printSamplesHeader, verdicts, type Verdict } from './soak-report.js';
import { Tally, type KindTally } from './tally.js';
import { warmUp } from './warm-up.js';

/** After the warm-up, for the server to settle before the baseline. */
const SETTLE_MS = 3000;

export interface SoakResult {
  serverAlive: boolean;
  baseline: ResourceSample;
  samples: ResourceSample[];
  /** After the cooldown; null when the server died. */
  final: ResourceSample | null;
  clients: Record<string, KindTally>;
  verdicts: Verdict[];
}

/**
 * Warm-up, baseline, the load for `options.minutes` with a sample every `options.sampleS`
 * (printed as it comes), then the cooldown and the final sample. Stops early when the server dies.
 */
export async function runSoak(server: ServerProcess, pid: number, target: SoakTarget, options: SoakOptions): Promise<SoakResult> {
  await warmUp(target);
  await pause(SETTLE_MS);
  const startedAt = performance.now();
  const sampler = new ResourceSampler(pid, target.httpPort, server.cpuSeconds, startedAt);
  const baseline = await sampler.sample();
  if (!baseline) throw new Error('the server died during the warm-up');
  printSamplesHeader();
  printSample(baseline, 'baseline');
  const samples = [baseline];

  const tally = new Tally();
  const loadEndsAt = startedAt + options.minutes * 60_000;
  const kinds = HOSTILE_KINDS.filter((k) => options.kinds.includes(k.name));
  const driver = new LoadDriver(target, { normalWs: options.normalWs, normalGrpc: options.normalGrpc, hostileRate: options.hostileRate, kinds, loadEndsAt }, tally);
  driver.start();
  let serverAlive = true;
  while (serverAlive && performance.now() < loadEndsAt) {
    await pause(Math.min(options.sampleS * 1000, loadEndsAt - performance.now()));
    const sample = await sampler.sample();
    if (sample) {
      samples.push(sample);
      printSample(sample);
    } else {
      serverAlive = false;
      console.log(`soak: the server process is gone (${Math.round((performance.now() - startedAt) / 1000)} s); stopping the load`);
    }
  }

  console.log('soak: load stopped; waiting for the normal calls to finish');
  await driver.stop();
  let final: ResourceSample | null = null;
  if (serverAlive) {
    console.log(`soak: cooldown, ${options.cooldownS} s`);
    await pause(options.cooldownS * 1000);
    final = await sampler.sample();
    if (final) printSample(final, 'final');
    serverAlive = final !== null;
  }
  return { serverAlive, baseline, samples, final, clients: tally.kinds, verdicts: verdicts(baseline, final) };
}
