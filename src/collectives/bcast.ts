import { isMarker, post, unwrap } from './marker.js';
import type { CollPort } from './port.js';
import { absolute, relative, treeOf } from './tree.js';

/**
 * Binomial-tree broadcast from `root`: each rank receives once from its parent and
 * forwards to its children, largest subtree first. The root sends ⌈log2 size⌉ messages.
 * A marker from the root (or one this rank cannot forward) reaches every rank, which
 * then rejects with its code. Resolves with the value (a fresh copy on non-roots).
 * `first` is the message from the parent when the caller has already received it.
 */
export async function bcast(port: CollPort, value: unknown, root: number, first?: { readonly value: unknown }): Promise<unknown> {
  const { rank, size } = port;
  const tree = treeOf(port);
  const vrank = relative(rank, root, size);
  let data = value;
  if (vrank !== 0) data = first !== undefined ? first.value : await port.recv(absolute(tree.parent(vrank), root, size));
  for (const child of tree.children(vrank, size).reverse()) {
    const sent = await post(port, data, absolute(child, root, size));
    if (isMarker(sent)) data = sent;
  }
  return unwrap(data);
}
