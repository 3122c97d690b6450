/**
 * The all-to-all collectives under `TSMPI_COLL=linear` (port.linear): everything goes
 * through the root (communicator rank 0) in plain loops — a linear reduce or gather to the
 * root, then a linear broadcast of the result — so that a trace shows the root doing all
 * the work (src/collectives/tree.ts has the flat tree). An error on any rank reaches the
 * root through the first phase and every rank through the broadcast, as in the tree
 * algorithms (marker.ts).
 */
import { bcast } from './bcast.js';
import { gather } from './gather.js';
import { marker } from './marker.js';
import type { CollPort } from './port.js';
import { reduce } from './reduce.js';
import type { Op } from '../ops/ops.js';

/** The root's result of `first` (or a marker of its error), broadcast to every rank. */
async function throughRoot(port: CollPort, first: () => Promise<unknown>): Promise<unknown> {
  let result: unknown = null;
  try {
    result = await first();
  } catch (error) {
    // On the root the error goes out with the broadcast; elsewhere it has reached the root already.
    if (port.rank === 0) result = marker(error);
  }
  return bcast(port, port.rank === 0 ? result : null, 0);
}

/** allreduce as a linear reduce to rank 0 and a linear broadcast. */
export function allreduceLinear(port: CollPort, value: unknown, op: Op, where: string): Promise<unknown> {
  return throughRoot(port, () => reduce(port, value, op, 0, where));
}

/** allgather as a linear gather to rank 0 and a linear broadcast. */
export async function allgatherLinear(port: CollPort, value: unknown): Promise<unknown[]> {
  return (await throughRoot(port, () => gather(port, value, 0))) as unknown[];
}
