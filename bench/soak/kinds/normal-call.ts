import { status } from '@grpc/grpc-js';
import { ParleyGrpcClient } from '../../../clients/parley-grpc-client.js';
import { ParleyWsClient } from '../../../clients/parley-ws-client.js';
import type { ServerEvent } from '../../../proto/messages.js';
import type { SoakCall } from '../soak-speech.js';
import { sendPaced } from './paced-audio.js';
import type { SoakTarget, VisitOutcome } from './visit.js';

export type Transport = 'ws' | 'grpc';

/** Past the call's own length, how long a call may take before the client gives up on it. */
const CALL_SLACK_MS = 30_000;

/** What a call needs of either client; replay() cannot be cut off, so the soak drives the clients itself. */
interface CallClient {
  readonly started: Promise<unknown>;
  sendAudio(bytes: Uint8Array): Promise<void>;
  stop(): Promise<unknown>;
  close(): void;
  /** `ws <close code>` or `grpc <status>`, once the connection has ended. */
  readonly ended: Promise<string>;
  /** Parley's error code in the gRPC trailers, when the call ended on one. */
  readonly endErrorCode: Promise<string | undefined>;
}

/**
 * A well-behaved call: LibriVox turns at `speed` (1: real time), `stop`, then `session.ended`.
 * Counts the call served when `session.ended` arrives.
 */
export async function normalCall(target: SoakTarget, transport: Transport, call: SoakCall, speed: number): Promise<VisitOutcome> {
  const events: ServerEvent[] = [];
  const client = connect(target, transport, (event) => events.push(event));
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      client.close();
    },
    (speed > 0 ? call.ms / speed : 0) + CALL_SLACK_MS,
  );
  let served = 0;
  try {
    await client.started;
    await sendPaced(call.pcm, (chunk) => client.sendAudio(chunk), { speed, keepGoing: () => !timedOut });
    await client.stop();
    served = 1;
  } catch {
    // Refused, cut off or timed out: the close code and error events say which.
  } finally {
    clearTimeout(timer);
  }
  const [end, endErrorCode] = await Promise.all([client.ended, client.endErrorCode]);
  const errors: string[] = events.flatMap((e) => (e.type === 'error' ? [e.code] : []));
  if (endErrorCode !== undefined && !errors.includes(endErrorCode)) errors.push(endErrorCode);
  return {
    errors,
    ends: [timedOut ? 'timeout' : end],
    served,
    turnEnds: events.filter((e) => e.type === 'turn.end').length,
    expectedTurns: call.turns,
  };
}

function connect(target: SoakTarget, transport: Transport, onEvent: (event: ServerEvent) => void): CallClient {
  const config = { encoding: 'pcm_s16le', sample_rate: 16000, channels: 1 } as const;
  if (transport === 'grpc') {
    const client = new ParleyGrpcClient({ address: target.grpcAddress, config });
    client.on('event', onEvent);
    return {
      started: client.started,
      sendAudio: (bytes) => client.sendAudio(bytes),
      stop: () => client.stop(),
      close: () => client.close(),
      ended: client.closed.then(({ code }) => `grpc ${status[code]}`),
      endErrorCode: client.closed.then(({ errorCode }) => errorCode),
    };
  }
  const client = new ParleyWsClient({ url: target.wsUrl, config });
  client.on('event', onEvent);
  return {
    started: client.started,
    sendAudio: (bytes) => client.sendAudio(bytes),
    stop: () => client.stop(),
    close: () => client.close(),
    ended: client.closed.then(({ code }) => `ws ${code}`),
    endErrorCode: Promise.resolve(undefined),
  };
}
