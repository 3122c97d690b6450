/**
 * Message counts per world rank, kept by the engine for the deadlock check and the
 * end-of-job drain. Every message is counted on both sides, so this is an array indexed
 * by rank rather than a Map (a Map's lookups cost more than the rest of the count).
 */
export class RankCounts {
  private readonly counts: number[];

  /** Counts for ranks 0 … `size` − 1, all 0. */
  constructor(size: number) {
    this.counts = new Array<number>(size).fill(0);
  }

  /** The count of `rank` (0 for a rank out of range). */
  get(rank: number): number {
    return this.counts[rank] ?? 0;
  }

  /** Add `n` (default 1) to `rank`'s count and return it; a rank out of range is not counted. */
  add(rank: number, n = 1): number {
    const count = this.counts[rank];
    if (count === undefined) return 0;
    return (this.counts[rank] = count + n);
  }

  /** [rank, count] of every rank whose count is not 0, in rank order. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((count, rank) => {
      if (count !== 0) out.push([rank, count]);
    });
    return out;
  }
}
