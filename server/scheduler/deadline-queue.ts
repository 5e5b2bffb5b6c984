/** An entry's place in line: lower tier first, then earlier deadline, then first come. */
export interface QueueKey {
  tier: number;
  deadline: number;
  seq: number;
}

function before(a: QueueKey, b: QueueKey): boolean {
  if (a.tier !== b.tier) return a.tier < b.tier;
  if (a.deadline !== b.deadline) return a.deadline < b.deadline;
  return a.seq < b.seq;
}

/** A binary min-heap of work by (tier, deadline, arrival): earliest deadline first within a tier. */
export class DeadlineQueue<T extends QueueKey> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
    return top;
  }

  /** Removes and returns every entry matching `predicate` (order unspecified). */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed = this.heap.filter(predicate);
    if (removed.length === 0) return removed;
    const kept = this.heap.filter((item) => !predicate(item));
    this.heap.length = 0;
    kept.forEach((item) => this.push(item));
    return removed;
  }
}
