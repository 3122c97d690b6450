import { SUM, checkOp, type Op } from '../ops/ops.js';
import { combineOrMarker } from './combine.js';
import { capture, isMarker, post, unwrap } from './marker.js';
import type { CollPort } from './port.js';
import { absolute, relative, treeOf } from './tree.js';

/**
 * Binomial-tree reduce to `root`: each rank combines its value with its children's
 * partial results, nearest child first, as `op(own run, child's run)`, and sends one
 * message to its parent. The root receives ⌈log2 size⌉ messages.
 *
 * Order: a predefined op (commutative) uses the tree relative to `root`. A user op may be
 * non-commutative, so it uses the tree rooted at rank 0, where every run is a contiguous
 * range of ranks and every combination is `op(lower ranks, higher ranks)`; rank 0 then
 * forwards the result to `root` (one extra message when root ≠ 0). Either way the grouping
 * is fixed by (size, root): the same bits on every run.
 *
 * An op error (or a marker `value`) reaches the root, which rejects; the rank that found
 * it rejects too. Other ranks resolve `undefined`.
 */
export async function reduce(port: CollPort, value: unknown, op: Op, root: number, where = 'reduce'): Promise<unknown> {
  const { rank, size } = port;
  const tree = treeOf(port);
  // An op that is not an op (on this rank only, perhaps) travels as an error, never a hang.
  const checked = capture(() => checkOp(where, op));
  if (isMarker(checked)) [value, op] = [checked, SUM];
  const treeRoot = typeof op === 'function' ? 0 : root;
  const vrank = relative(rank, treeRoot, size);
  let acc = value;
  // An error that arises on this rank (its own value, or an op failing here) is reported here too.
  let local = isMarker(value);
  for (const child of tree.children(vrank, size)) {
    const got = await port.recv(absolute(child, treeRoot, size));
    const before = isMarker(acc) || isMarker(got);
    acc = combineOrMarker(op, acc, got, where, got); // `got` is fresh from the network: the result may overwrite it
    if (!before && isMarker(acc)) local = true;
  }
  const before = isMarker(acc);
  if (vrank !== 0) {
    acc = await post(port, acc, absolute(tree.parent(vrank), treeRoot, size));
  } else if (treeRoot !== root) {
    acc = await post(port, acc, root);
  } else {
    return unwrap(acc);
  }
  if (!before && isMarker(acc)) local = true; // the partial result could not be sent
  if (rank === root) return unwrap(await port.recv(treeRoot));
  if (local) unwrap(acc);
  return undefined;
}
