/**
 * Which algorithm a collective uses: one pure function per collective of what every rank
 * already agrees on (communicator size, element count and type, whether the op is
 * predefined), so the choice needs no extra round of messages. The switch points were
 * measured on a 2-core machine with bench/coll-algorithms.ts (README, "Collective
 * algorithms"); they are not Open MPI's, whose latency is a hundred times lower.
 *
 * A user or a test may force an algorithm with `TSMPI_COLL_<NAME>=<algorithm>`
 * (e.g. `TSMPI_COLL_ALLREDUCE=ring`), read once at init: see {@link parseOverrides}.
 */
import { MpiError } from '../errors.js';

/** The algorithms of each collective that has a choice, by the name its override uses. */
export const ALGORITHMS = {
  allreduce: ['recursive-doubling', 'rabenseifner', 'ring'],
  bcast: ['binomial', 'scatter-allgather'],
} as const;

/** A collective that has a choice of algorithm. */
export type Collective = keyof typeof ALGORITHMS;
/** An algorithm of collective `C`. */
export type Algorithm<C extends Collective> = (typeof ALGORITHMS)[C][number];
/**
 * Algorithms forced by the environment, per collective; `linear` (`TSMPI_COLL=linear`)
 * makes every rooted collective a loop at its root, and allreduce/allgather go through
 * rank 0 (src/collectives/linear.ts), whatever the size.
 */
export type Overrides = { readonly [C in Collective]?: Algorithm<C> } & { readonly linear?: boolean };

/** What every rank of an allreduce knows before it starts. */
export interface AllreduceCase {
  readonly size: number;
  /** Elements per rank; null when the value is not a typed array. */
  readonly count: number | null;
  readonly elementBytes: number;
  /** The op is a predefined one (elementwise), not a user function (which sees whole values). */
  readonly builtin: boolean;
  readonly commutative: boolean;
}

/**
 * Smallest vector (bytes) for which Rabenseifner beats recursive doubling, by communicator
 * size (index = size; the last entry holds for larger sizes). Measured with
 * bench/coll-algorithms.ts (README, "Collective algorithms by size") once large messages
 * between ranks of one host went through shared files and both algorithms received into
 * recvbuf: at np 2 recursive doubling (one exchange, fused with the agreement round) still
 * won at 4 MiB and mostly lost at 8 and 16 MiB; at np 4 it won at 1 MiB, tied at 2 MiB and
 * lost at 4 MiB; at np 8 it tied up to 256 KiB and lost by 2x at 1 MiB. At np 3 it tied at
 * 1 MiB and lost at 4 MiB; at np 6 the two tied at 512 KiB and 1 MiB and Rabenseifner won
 * from 4 MiB. Across hosts the points held (np 4: a tie at 1 MiB, Rabenseifner 1.4–1.7× at
 * 4 MiB; np 6: Rabenseifner from 1 MiB; np 8: a tie at 256 KiB, 1.5× at 1 MiB). Sizes 5
 * and 7 take their neighbours' values.
 */
const ALLREDUCE_SEGMENTED_MIN_BYTES = [
  Infinity,
  Infinity,
  8 * 1024 * 1024,
  2 * 1024 * 1024,
  2 * 1024 * 1024,
  512 * 1024,
  512 * 1024,
  512 * 1024,
  512 * 1024,
];

/**
 * Smallest broadcast (bytes) for which scatter-allgather beats the binomial tree when the
 * ranks are on more than one host, by size (as above; on one host the tree wins at every
 * size, see {@link chooseBcast}). Measured across fake hosts on this machine (network
 * namespaces, TCP with CURVE; README, "Collective algorithms by size"): the tree won up to
 * 4 MiB everywhere and at 8 MiB at np 4 (2 hosts), scatter-allgather won at 16 MiB at np 4
 * and 6 and from 8 MiB at np 8. Never at np 2 (one message either way). Sizes 3, 5 and 7
 * take their neighbours' values.
 */
const BCAST_SCATTER_MIN_BYTES = [
  Infinity,
  Infinity,
  Infinity,
  16 * 1024 * 1024,
  16 * 1024 * 1024,
  8 * 1024 * 1024,
  8 * 1024 * 1024,
  8 * 1024 * 1024,
  8 * 1024 * 1024,
];

function bySize(table: readonly number[], size: number): number {
  return table[Math.min(size, table.length - 1)] ?? Infinity;
}

/**
 * The allreduce algorithm for `c`. User ops (and any value that is not a typed array)
 * always use recursive doubling: a user op sees whole values, and recursive doubling keeps
 * rank order. Predefined ops on typed arrays use recursive doubling for small vectors and
 * Rabenseifner for large ones, at every communicator size (the ranks beyond a power of two
 * fold in first). The ring is never chosen by size: at np 3 and 6 on one host, and at np 6
 * across hosts, Rabenseifner beat it at every size from 256 KiB to 16 MiB, by up to 1.9×
 * (at np 3 across hosts the three were within the noise; README, "Collective algorithms by
 * size"): its 2(p − 1) steps each cost a message's latency, which two cores shared by all
 * ranks cannot hide. An override applies
 * wherever its algorithm can (the ring needs a commutative op).
 */
export function chooseAllreduce(c: AllreduceCase, overrides: Overrides = {}): Algorithm<'allreduce'> {
  if (c.count === null || !c.builtin || c.size === 1 || overrides.linear === true) return 'recursive-doubling';
  const forced = overrides.allreduce;
  if (forced !== undefined) return forced === 'ring' && !c.commutative ? 'recursive-doubling' : forced;
  if (c.count * c.elementBytes < bySize(ALLREDUCE_SEGMENTED_MIN_BYTES, c.size)) return 'recursive-doubling';
  return 'rabenseifner';
}

/**
 * The allreduce algorithm for a contribution like `like` (a typed array; null for any other
 * value) with a built-in op or not: the one choice both the fused path (fused.ts) and the
 * segmented one (buffers.ts) read, so they cannot disagree.
 */
export function allreduceAlgorithm(
  size: number,
  like: { readonly length: number; readonly BYTES_PER_ELEMENT: number } | null,
  builtin: boolean,
  overrides: Overrides,
): Algorithm<'allreduce'> {
  return chooseAllreduce(
    { size, count: like?.length ?? null, elementBytes: like?.BYTES_PER_ELEMENT ?? 1, builtin, commutative: builtin },
    overrides,
  );
}

/** What the root of a broadcast knows before it starts (the others learn the choice from the first message). */
export interface BcastCase {
  readonly size: number;
  /** Bytes to broadcast; null when the value is not a typed array. */
  readonly byteLength: number | null;
  /** Every rank of the communicator runs on one host (the launcher's table says so, alike on every rank). */
  readonly oneHost: boolean;
}

/**
 * The broadcast algorithm for `c`: the binomial tree, or scatter-allgather for large typed
 * arrays across hosts. On one host every non-root receives the value straight into its
 * buffer (through a shared file when large), and the tree's fewer, larger messages beat
 * scatter-allgather's 2(p − 1) steps at every size measured, 256 KiB to 64 MiB at np 4
 * and 8 (1.3–2.7× faster; README, "Collective algorithms by size").
 */
export function chooseBcast(c: BcastCase, overrides: Overrides = {}): Algorithm<'bcast'> {
  if (c.byteLength === null || c.size === 1 || overrides.linear === true) return 'binomial';
  const forced = overrides.bcast;
  if (forced !== undefined) return forced;
  if (c.oneHost) return 'binomial';
  return c.byteLength >= bySize(BCAST_SCATTER_MIN_BYTES, c.size) ? 'scatter-allgather' : 'binomial';
}

/**
 * Read the overrides from `variables` (the environment's `TSMPI_COLL_*` entries, named
 * with `prefix`): `<prefix><NAME>=<algorithm>`, NAME case-insensitive, or `auto` (or
 * empty) for the size-based choice.
 * @throws ERR_ARG naming the variable and listing the valid collectives or algorithms
 */
export function parseOverrides(variables: Readonly<Record<string, string | undefined>>, prefix: string): Overrides {
  const out: { [C in Collective]?: string } = {};
  for (const [name, value] of Object.entries(variables)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const collective = name.slice(prefix.length).toLowerCase();
    if (!Object.hasOwn(ALGORITHMS, collective)) {
      const valid = Object.keys(ALGORITHMS)
        .map((key) => `${prefix}${key.toUpperCase()}`)
        .join(', ');
      throw new MpiError('ERR_ARG', `init: ${name} names no collective with a choice of algorithm; valid: ${valid}`);
    }
    const choices: readonly string[] = ALGORITHMS[collective as Collective];
    const algorithm = value.trim();
    if (algorithm === '' || algorithm === 'auto') continue;
    if (!choices.includes(algorithm)) {
      throw new MpiError('ERR_ARG', `init: ${name}=${value} is not an algorithm of ${collective}; valid: ${choices.join(', ')}, auto`);
    }
    out[collective as Collective] = algorithm;
  }
  return out as Overrides;
}

/**
 * Read `TSMPI_COLL` (`variable` names it): `linear` for every collective as a plain loop
 * at its root, `auto` or empty (or unset) for the usual algorithms.
 * @throws ERR_ARG naming the variable and the valid values
 */
export function parseCollMode(value: string | undefined, variable: string): boolean {
  const mode = (value ?? '').trim();
  if (mode === '' || mode === 'auto') return false;
  if (mode === 'linear') return true;
  throw new MpiError('ERR_ARG', `init: ${variable}=${value} is not a collective mode; valid: linear, auto`);
}
