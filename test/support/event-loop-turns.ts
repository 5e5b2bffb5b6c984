/**
 * Event-loop turns that happen while `work` runs. Counting turns instead of timing gaps keeps
 * "runs off this thread" tests stable on a loaded machine: work done synchronously here lets
 * the loop turn at most a couple of times, work on another thread lets it turn freely.
 */
export async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  await new Promise((resolve) => setImmediate(resolve));
  turns = 0;
  await work();
  running = false;
  return turns;
}
