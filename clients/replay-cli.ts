import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readWav } from '../audio/wav.js';
import type { ServerEvent } from '../proto/messages.js';
import { replay } from './replay.js';

const USAGE = `usage: npm run replay -- FILE.wav [--url ws://localhost:8080/v1/listen] [--speed 1] [--chunk-ms 20] [--api-key KEY]
       npm run replay -- FILE.wav --grpc localhost:50051 [--speed 1] [--chunk-ms 20] [--api-key KEY]
       npm run replay -- FILE.wav --webrtc http://localhost:8080 [--api-key KEY]
  --grpc replays over gRPC instead of the WebSocket; --speed 0 sends as fast as the server reads.
  --webrtc replays over WebRTC (a mono file; the audio track plays it in real time).`;

function printLive(event: ServerEvent): void {
  switch (event.type) {
    case 'session.started':
      console.log(`session ${event.session_id} started`);
      break;
    case 'transcript.partial':
      console.log(`  [ch${event.channel} turn ${event.turn_id} r${event.revision}] ${event.text}`);
      break;
    case 'turn.eager_end':
      console.log(`  [ch${event.channel} turn ${event.turn_id}] eager end (${event.latency_ms} ms): ${event.text}`);
      break;
    case 'turn.resumed':
      console.log(`  [ch${event.channel} turn ${event.turn_id}] resumed`);
      break;
    case 'turn.end':
      console.log(`FINAL [ch${event.channel} turn ${event.turn_id}] ${event.text}`);
      break;
    case 'transcript.corrected':
      console.log(`CORRECTED [ch${event.channel} turn ${event.turn_id}] ${event.previous_text} -> ${event.text}`);
      break;
    case 'error':
      console.error(`error ${event.code}${event.fatal ? ' (fatal)' : ''}: ${event.message}`);
      break;
    default:
      break;
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'ws://localhost:8080/v1/listen' },
      grpc: { type: 'string' },
      webrtc: { type: 'string' },
      speed: { type: 'string', default: '1' },
      'chunk-ms': { type: 'string', default: '20' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  const speed = Number(values.speed);
  const chunkMs = Number(values['chunk-ms']);
  if (values.help || !file || !(speed >= 0) || !(chunkMs > 0)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const wav = readWav(await readFile(file));
  if (wav.channels !== 1 && wav.channels !== 2) throw new Error(`${file}: Parley takes 1 or 2 channels, not ${wav.channels}`);
  const result = await replay(
    { encoding: wav.encoding, sampleRate: wav.sampleRate, channels: wav.channels, data: wav.data },
    { url: values.url, grpc: values.grpc, webrtc: values.webrtc, apiKey: values['api-key'], speed, chunkMs, onEvent: printLive },
  );
  console.log('\nturns:');
  for (const turn of result.turns) {
    console.log(`  ch${turn.channel} turn ${turn.turnId} (end latency ${turn.end.latency_ms} ms): ${turn.text}`);
  }
  if (!result.ok) {
    console.error(failureOf(values, result.closeCode));
    process.exitCode = 1;
  }
}

function failureOf(target: { grpc?: string; webrtc?: string }, closeCode: number): string {
  if (target.grpc) return `call ended with gRPC status ${closeCode}`;
  if (target.webrtc) return 'the WebRTC session did not end with session.ended "stop"';
  return `connection closed with ${closeCode}`;
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  // @roamhq/wrtc crashes in Node's exit-time cleanup once an RTCAudioSource has existed
  // (node-webrtc issue #636), even with every native object closed: an explicit exit skips it.
  .finally(() => process.exit());
