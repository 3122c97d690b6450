/**
 * The two kinds of work of the lesson's "I/O-bound vs CPU-bound" exercise (`io_bound.py`,
 * `cpu_bound.py`). The main programs call these functions directly, and the worker threads of the
 * pool load this same file (piscina calls the export named in `pool.run(task, { name })`).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The lesson's `func_cpu_bound(n)`: pure computation, no waiting.
 * Sums exp(log(sqrt(i³))) = i^1.5 for i = 1..n.
 */
export function cpuBound(n: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += Math.exp(Math.log(Math.sqrt(Math.pow(i, 3.0))));
  return sum;
}

/**
 * The lesson's `func_io_bound(n)`: waits `seconds` without using the processor, as a program
 * does while a disk or a network answers. Returns its argument.
 */
export async function ioBound(seconds: number): Promise<number> {
  await sleep(seconds * 1000);
  return seconds;
}

/**
 * The lesson's race-condition exercise (`race.py`): add 1 to a counter shared by every thread,
 * `count` times, with a plain read-then-write. Two threads that read the same value both write
 * value + 1, and one addition is lost.
 * @param shared an Int32Array over a SharedArrayBuffer: the same memory in every thread
 */
export function racyIncrement({ shared, count }: { shared: Int32Array; count: number }): number {
  for (let i = 0; i < count; i++) shared[0] = (shared[0] ?? 0) + 1;
  return count;
}

/** The fix with a lock (`race_lock.py`): `Atomics.add` reads, adds and writes as one step. */
export function atomicIncrement({ shared, count }: { shared: Int32Array; count: number }): number {
  for (let i = 0; i < count; i++) Atomics.add(shared, 0, 1);
  return count;
}

/** The fix by duplication (`race_dup.py`): each task adds to a slot of its own; the caller sums the slots. */
export function ownSlotIncrement({ shared, count, slot }: { shared: Int32Array; count: number; slot: number }): number {
  for (let i = 0; i < count; i++) shared[slot] = (shared[slot] ?? 0) + 1;
  return count;
}
