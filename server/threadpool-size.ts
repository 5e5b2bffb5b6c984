import { availableParallelism } from 'node:os';

// PocketSphinx decodes on libuv's thread pool (4 threads by default). The scheduler keeps
// one job per core plus its urgent reserve in flight, and file and DNS work share the pool,
// so size it before anything uses it. An explicit UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() + 3));
