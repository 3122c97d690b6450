/**
 * Reading test/fixtures/bcast-hosts.ts's output: per communicator label, its size and how
 * many messages its rank 0 sent for a 16 MiB Bcast, and the bounds that tell the algorithms
 * apart (select.ts): the binomial tree, fused with the agreement round, sends at most one
 * message per step; scatter-allgather sends at least one for the agreement round, one per
 * scatter step and size − 1 in the ring.
 */

export interface RootSends {
  readonly np: number;
  readonly sent: number;
}

/** "<label> np <size> root sent <n>" lines by label. */
export function rootSends(lines: readonly string[]): Map<string, RootSends> {
  const out = new Map<string, RootSends>();
  for (const line of lines) {
    const match = /^(.+) np (\d+) root sent (\d+)$/.exec(line);
    if (match) out.set(match[1] ?? '', { np: Number(match[2]), sent: Number(match[3]) });
  }
  return out;
}

/** Which algorithm `sends` shows, or a description of counts that fit neither. */
export function bcastAlgorithm({ np, sent }: RootSends): string {
  const steps = Math.ceil(Math.log2(np));
  if (np > 1 && sent >= 1 && sent <= steps) return 'binomial';
  if (np > 2 && sent >= 1 + steps + np - 1) return 'scatter-allgather';
  return `neither (${sent} messages at np ${np})`;
}
