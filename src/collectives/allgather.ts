import { isMarker, post, unwrap, type ErrorMarker } from './marker.js';
import { exchange } from './exchange.js';
import type { CollPort } from './port.js';
import { allgatherLinear } from './linear.js';
import { doublingPlan } from './tree.js';

function join(lower: unknown, higher: unknown): unknown[] | ErrorMarker {
  if (isMarker(lower)) return lower;
  if (isMarker(higher)) return higher;
  return (lower as unknown[]).concat(higher as unknown[]);
}

/**
 * Recursive-doubling allgather: partners swap the runs of values they hold (contiguous
 * ranges of ranks) for ⌈log2 size⌉ rounds, with the same fold-in as allreduce when size is
 * not a power of two. Resolves with every rank's value in rank order; a marker `value`
 * makes every rank reject.
 */
export async function allgather(port: CollPort, value: unknown): Promise<unknown[]> {
  if (port.linear === true) return allgatherLinear(port, value);
  const plan = doublingPlan(port.rank, port.size);
  let block: unknown = isMarker(value) ? value : [value];
  if (plan.role === 'folded') {
    await post(port, block, plan.partner);
    return unwrap(await port.recv(plan.partner)) as unknown[];
  }
  if (plan.partner >= 0) block = join(await port.recv(plan.partner), block);
  for (const { peer, lower } of plan.exchanges) {
    const { sent, received: other } = await exchange(port, block, peer);
    block = sent;
    block = lower ? join(block, other) : join(other, block);
  }
  if (plan.partner >= 0) await post(port, block, plan.partner);
  return unwrap(block) as unknown[];
}
