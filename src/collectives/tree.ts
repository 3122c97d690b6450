/**
 * Pure rank arithmetic for the collective algorithms. No I/O: unit-tested directly.
 *
 * Binomial trees are built on ranks relative to the root (`vrank = (rank - root) mod
 * size`), so the root is vrank 0. Vrank `v`'s parent is `v` with its lowest set bit
 * cleared; its children are `v + m` for every power of two `m` below `v`'s lowest set
 * bit (every power of two below `size` for the root). The subtree of `v` is the
 * contiguous vrank range `[v, v + lowbit(v))` clipped to `size`, which is what lets
 * gather and scatter move one contiguous slice per message. The root has
 * ⌈log2 size⌉ children, and every rank's depth is at most ⌈log2 size⌉.
 */

/** `rank` relative to `root`. */
export function relative(rank: number, root: number, size: number): number {
  return (rank - root + size) % size;
}

/** Absolute rank of relative rank `vrank`. */
export function absolute(vrank: number, root: number, size: number): number {
  return (vrank + root) % size;
}

/** ⌈log2 size⌉ (0 for size 1). */
export function ceilLog2(size: number): number {
  let rounds = 0;
  while (1 << rounds < size) rounds++;
  return rounds;
}

/** Lowest set bit of `vrank`, or the next power of two ≥ size for the root (vrank 0). */
function span(vrank: number, size: number): number {
  return vrank === 0 ? 1 << ceilLog2(size) : vrank & -vrank;
}

/** Binomial parent of `vrank` (-1 for the root). */
export function binomialParent(vrank: number): number {
  return vrank === 0 ? -1 : vrank & (vrank - 1);
}

/** Binomial children of `vrank`, nearest (smallest subtree) first. */
export function binomialChildren(vrank: number, size: number): number[] {
  const children: number[] = [];
  const limit = span(vrank, size);
  for (let mask = 1; mask < limit; mask <<= 1) {
    if (vrank + mask < size) children.push(vrank + mask);
  }
  return children;
}

/** Number of vranks in `vrank`'s subtree (itself included). */
export function subtreeSize(vrank: number, size: number): number {
  return Math.min(span(vrank, size), size - vrank);
}

/** The tree a rooted collective (bcast, gather, scatter, reduce) runs on, over vranks (root = 0). */
export interface Tree {
  readonly name: 'binomial' | 'linear';
  /** Parent of `vrank` (-1 for the root). */
  parent(vrank: number): number;
  /** Children of `vrank`, in the order a gather concatenates them. */
  children(vrank: number, size: number): number[];
  /** Number of vranks in `vrank`'s subtree (itself included); children's subtrees follow each other. */
  subtree(vrank: number, size: number): number;
}

/** The binomial tree: ⌈log₂ size⌉ rounds. */
export const BINOMIAL: Tree = { name: 'binomial', parent: binomialParent, children: binomialChildren, subtree: subtreeSize };

/** The flat tree of `TSMPI_COLL=linear`: the root sends to, or receives from, every other rank itself (size − 1 rounds). */
export const FLAT: Tree = {
  name: 'linear',
  parent: (vrank) => (vrank === 0 ? -1 : 0),
  children: (vrank, size) => (vrank === 0 ? Array.from({ length: size - 1 }, (_, index) => index + 1) : []),
  subtree: (vrank, size) => (vrank === 0 ? size : 1),
};

/** The tree for a port: flat when the job runs its collectives linearly (port.linear), else binomial. */
export function treeOf(port: { readonly linear?: boolean }): Tree {
  return port.linear === true ? FLAT : BINOMIAL;
}

/**
 * Recursive doubling on a size that need not be a power of two. With `pof2` the largest
 * power of two ≤ size and `extra = size - pof2`, ranks below `2 * extra` pair up first:
 * each even rank hands its value to the odd rank above it and sits out (`role: 'folded'`,
 * `partner` = that odd rank), which then stands for both. The remaining `pof2` ranks get
 * new ranks `newrank` (rank / 2 for those odd ranks, rank - extra above) whose blocks of
 * original ranks are contiguous and in order, so combining "lower block op higher block"
 * keeps rank order. `exchanges` lists, per round, the original rank of the partner and
 * whether this rank holds the lower block.
 */
export interface DoublingPlan {
  readonly role: 'folded' | 'active';
  /** For 'folded': the odd rank that stands for this one. For an active odd rank below 2*extra: the folded even rank (else -1). */
  readonly partner: number;
  readonly exchanges: readonly { readonly peer: number; readonly lower: boolean }[];
}

/** Largest power of two ≤ size. */
export function floorPow2(size: number): number {
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  return pof2;
}

/**
 * Where `rank` stands in the fold-in that reduces any `size` to a power of two `pof2`:
 * with `extra = size - pof2`, even ranks below `2 * extra` hand their value to the odd
 * rank above and wait for the result (`folded`); the other ranks are `active`, numbered
 * 0..pof2-1 in rank order, each standing for a contiguous block of original ranks
 * (`original` maps an active number back to its rank; `partner` is the folded rank an
 * active odd rank stands for, else -1).
 */
export type FoldIn =
  | { readonly role: 'folded'; readonly partner: number }
  | {
      readonly role: 'active';
      readonly active: number;
      readonly pof2: number;
      readonly partner: number;
      readonly original: (active: number) => number;
    };

/** The fold-in role of `rank` among `size` ranks. */
export function foldIn(rank: number, size: number): FoldIn {
  const pof2 = floorPow2(size);
  const extra = size - pof2;
  if (rank < 2 * extra && rank % 2 === 0) return { role: 'folded', partner: rank + 1 };
  return {
    role: 'active',
    active: rank < 2 * extra ? rank >> 1 : rank - extra,
    pof2,
    partner: rank < 2 * extra ? rank - 1 : -1,
    original: (active) => (active < extra ? 2 * active + 1 : active + extra),
  };
}

/** The recursive-doubling plan of `rank` in a communicator of `size`. */
export function doublingPlan(rank: number, size: number): DoublingPlan {
  const fold = foldIn(rank, size);
  if (fold.role === 'folded') return { role: 'folded', partner: fold.partner, exchanges: [] };
  const exchanges: { peer: number; lower: boolean }[] = [];
  for (let mask = 1; mask < fold.pof2; mask <<= 1) {
    const peer = fold.active ^ mask;
    exchanges.push({ peer: fold.original(peer), lower: fold.active < peer });
  }
  return { role: 'active', partner: fold.partner, exchanges };
}
