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
