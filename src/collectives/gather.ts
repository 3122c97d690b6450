import { isMarker, post, unwrap, type ErrorMarker } from './marker.js';
import type { CollPort } from './port.js';
import { absolute, relative, treeOf } from './tree.js';

/**
 * Binomial-tree gather to `root`: each rank collects its subtree's values (a contiguous
 * run of ranks relative to the root) from its children, nearest first, and sends the run
 * to its parent in one message. The root receives ⌈log2 size⌉ messages and resolves with
 * the values in rank order; other ranks resolve `undefined`. `value` may be a marker
 * (a local error): it reaches the root, and this rank rejects too.
 */
export async function gather(port: CollPort, value: unknown, root: number): Promise<unknown[] | undefined> {
  const { rank, size } = port;
  const tree = treeOf(port);
  const vrank = relative(rank, root, size);
  let block: unknown[] | ErrorMarker = isMarker(value) ? value : [value];
  for (const child of tree.children(vrank, size)) {
    const got = await port.recv(absolute(child, root, size));
    if (isMarker(block)) continue;
    block = isMarker(got) ? got : block.concat(got as unknown[]);
  }
  if (vrank !== 0) {
    const sent = await post(port, block, absolute(tree.parent(vrank), root, size));
    unwrap(value);
    if (isMarker(sent) && !isMarker(block)) unwrap(sent); // this rank's run could not be sent
    return undefined;
  }
  const run = unwrap(block);
  const values = new Array<unknown>(size);
  for (let index = 0; index < size; index++) values[absolute(index, root, size)] = run[index];
  return values;
}
