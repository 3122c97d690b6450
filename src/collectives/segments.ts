/**
 * Pure segment arithmetic for the large-message algorithms (ring and Rabenseifner
 * allreduce, scatter-allgather broadcast). No I/O: unit-tested directly.
 *
 * A vector of `count` elements is cut into contiguous ranges `[lo, hi)`; every schedule
 * here is a function of (rank, size, count) only, so every rank computes the same cut
 * without talking to the others.
 */
/** A half-open range of element (or byte) indices. */
export interface Range {
  readonly lo: number;
  readonly hi: number;
}

/** Part `index` of `count` elements cut into `parts` nearly equal contiguous blocks (the first ones are never larger). */
export function blockRange(index: number, parts: number, count: number): Range {
  return { lo: Math.floor((index * count) / parts), hi: Math.floor(((index + 1) * count) / parts) };
}

/** `value` modulo `size`, always in [0, size). */
export function mod(value: number, size: number): number {
  return ((value % size) + size) % size;
}

/**
 * One step of the ring allreduce: send block `send` to the right neighbour, receive block
 * `recv` from the left one. Reduce-scatter steps combine what arrives into `recv`;
 * allgather steps store it.
 */
export interface RingStep {
  readonly send: number;
  readonly recv: number;
}

/**
 * The ring schedule of `rank` among `size` ranks (blocks indexed by rank): size - 1
 * reduce-scatter steps, after which this rank holds block `rank + 1` fully reduced, then
 * size - 1 allgather steps that pass the reduced blocks round.
 */
export function ringSchedule(rank: number, size: number): { reduceScatter: RingStep[]; allgather: RingStep[] } {
  const reduceScatter: RingStep[] = [];
  const allgather: RingStep[] = [];
  for (let step = 0; step < size - 1; step++) {
    reduceScatter.push({ send: mod(rank - step, size), recv: mod(rank - step - 1, size) });
    allgather.push({ send: mod(rank + 1 - step, size), recv: mod(rank - step, size) });
  }
  return { reduceScatter, allgather };
}

/**
 * One recursive-halving step of Rabenseifner's allreduce, between active ranks (numbered
 * 0..pof2-1 after the fold-in of recursive doubling, see `doublingPlan`): keep `keep`,
 * send `give` to `peer` (an active number), and combine the partner's copy of `keep` with
 * this rank's. `lower` tells whether this rank's block of ranks comes first, so the
 * combination is `op(lower block, higher block)`.
 */
export interface HalvingStep {
  readonly peer: number;
  readonly lower: boolean;
  readonly keep: Range;
  readonly give: Range;
}

/**
 * The recursive-halving steps of active rank `active` among `pof2` (a power of two) for
 * `count` elements. The distance grows (1, 2, 4, ...) rather than shrinks, so after each
 * step a rank's partial result covers an aligned, contiguous block of active ranks: the
 * combination keeps rank order, as recursive doubling does. The allgather that follows
 * runs the same steps backwards, sending `keep` and receiving `give`.
 */
export function halvingSteps(active: number, pof2: number, count: number): HalvingStep[] {
  const steps: HalvingStep[] = [];
  let lo = 0;
  let hi = count;
  for (let mask = 1; mask < pof2; mask <<= 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const lower = (active & mask) === 0;
    const keep = lower ? { lo, hi: mid } : { lo: mid, hi };
    const give = lower ? { lo: mid, hi } : { lo, hi: mid };
    steps.push({ peer: active ^ mask, lower, keep, give });
    ({ lo, hi } = keep);
  }
  return steps;
}
