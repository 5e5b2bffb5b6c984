// Entry point of the transducer worker thread: onnxruntime-node runs inference synchronously
// on the calling thread, so the model and every stream's state live here, off the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { TransducerModel } from './transducer-model.js';
import type { TransducerWorkerData, TransducerWorkerReply, TransducerWorkerRequest } from './transducer-worker-protocol.js';

const port = parentPort!;
const reply = (message: TransducerWorkerReply) => port.postMessage(message);
const { paths, options } = workerData as TransducerWorkerData;

try {
  const model = await TransducerModel.load(paths, options);
  reply({ type: 'ready', info: model.info });
  // A step awaits between its model runs: later requests (a stream's reset) wait for it.
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (request: TransducerWorkerRequest) => {
    previous = previous.then(() => handle(model, request));
  });
} catch (error) {
  reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

async function handle(model: TransducerModel, request: TransducerWorkerRequest): Promise<void> {
  switch (request.type) {
    case 'reset':
      model.resetStream(request.stream);
      return;
    case 'close-stream':
      model.closeStream(request.stream);
      return;
    case 'close':
      await model.release();
      port.close();
      return;
    case 'step':
      try {
        reply({ type: 'result', id: request.id, outputs: await model.step(request.inputs) });
      } catch (error) {
        reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
      }
  }
}
