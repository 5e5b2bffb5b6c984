import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readWav } from '../audio/wav.js';
import type { ServerEvent } from '../proto/messages.js';
import { replay } from './replay.js';

const USAGE = `usage: npm run replay -- FILE.wav [--url ws://localhost:8080/v1/listen] [--speed 1] [--chunk-ms 20] [--api-key KEY]
       npm run replay -- FILE.wav --grpc localhost:50051 [--speed 1] [--chunk-ms 20] [--api-key KEY]
  --grpc replays over gRPC instead of the WebSocket; --speed 0 sends as fast as the server reads.`;

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
    { url: values.url, grpc: values.grpc, apiKey: values['api-key'], speed, chunkMs, onEvent: printLive },
  );
  console.log('\nturns:');
  for (const turn of result.turns) {
    console.log(`  ch${turn.channel} turn ${turn.turnId} (end latency ${turn.end.latency_ms} ms): ${turn.text}`);
  }
  if (!result.ok) {
    console.error(values.grpc ? `call ended with gRPC status ${result.closeCode}` : `connection closed with ${result.closeCode}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
