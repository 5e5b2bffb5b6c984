import { ParleyWsClient } from '../../clients/parley-ws-client.js';
import type { SessionLimits } from '../../proto/session-config.js';
import { normalCall } from './kinds/normal-call.js';
import type { SoakTarget } from './kinds/visit.js';

/** The limits the server announces in `session.started`: the hostile clients aim just past them. */
export async function announcedLimits(wsUrl: string): Promise<SessionLimits> {
  const client = new ParleyWsClient({ url: wsUrl });
  const { limits } = await client.started;
  await client.stop();
  return limits;
}

/**
 * One call per transport, as fast as the server reads, before the baseline: decoder pools,
 * ONNX arenas and lazily started threads then exist, so the baseline is the server idle
 * after work, not its cold start. Throws when a call is not served: the soak would be moot.
 */
export async function warmUp(target: SoakTarget): Promise<void> {
  for (const transport of ['ws', 'grpc'] as const) {
    const outcome = await normalCall(target, transport, target.speech.call(0), 0);
    if (outcome.served !== 1) throw new Error(`warm-up ${transport} call not served: ${JSON.stringify(outcome)}`);
  }
}
