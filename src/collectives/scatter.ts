import { isMarker, post, unwrap, type ErrorMarker } from './marker.js';
import type { CollPort } from './port.js';
import { absolute, relative, treeOf } from './tree.js';

/**
 * Binomial-tree scatter from `root`: the root holds one value per rank and sends each
 * child the contiguous run of values for that child's subtree (relative to the root),
 * largest first; every rank keeps the first value of the run it receives and forwards the
 * rest. The root sends ⌈log2 size⌉ messages. `values` is the root's array (ignored
 * elsewhere), already checked to hold `size` values, or a marker that makes every rank
 * reject. Resolves with this rank's value.
 */
export async function scatter(port: CollPort, values: unknown[] | ErrorMarker | null, root: number): Promise<unknown> {
  const { rank, size } = port;
  const tree = treeOf(port);
  const vrank = relative(rank, root, size);
  let run: unknown[] | ErrorMarker;
  if (vrank === 0) {
    if (values === null) throw new TypeError('scatter: the root has no values');
    run = isMarker(values) ? values : Array.from({ length: size }, (_, index) => values[absolute(index, root, size)]);
  } else {
    run = (await port.recv(absolute(tree.parent(vrank), root, size))) as unknown[] | ErrorMarker;
  }
  for (const child of tree.children(vrank, size).reverse()) {
    const offset = child - vrank;
    const part = isMarker(run) ? run : run.slice(offset, offset + tree.subtree(child, size));
    const sent = await post(port, part, absolute(child, root, size));
    if (isMarker(sent)) run = sent;
  }
  return unwrap(run)[0];
}
