// Entry point of the VAD worker thread: onnxruntime-node runs inference synchronously on
// the calling thread, so the model lives here, never on the server's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { SileroVadModel, type SileroVadModelOptions } from './silero-vad-model.js';
import type { VadWorkerReply, VadWorkerRequest } from './vad-worker-protocol.js';

const port = parentPort!;
const reply = (message: VadWorkerReply) => port.postMessage(message);

try {
  const model = await SileroVadModel.load(workerData as SileroVadModelOptions);
  reply({ type: 'ready', executionProvider: model.executionProvider });
  port.on('message', (request: VadWorkerRequest) => {
    if (request.type === 'close') {
      void model.close().then(() => port.close());
      return;
    }
    model.runBatch(request.items).then(
      (outputs) => reply({ type: 'result', id: request.id, outputs }),
      (error: unknown) => reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
} catch (error) {
  reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
