/**
 * The shape of one case of the comparison table (bench/run.ts). A case is one module in this
 * directory that measures its rows with every implementation it can run and returns them;
 * run.ts lays the rows out, computes the ratios and checks the targets. To add rows, write a
 * module exporting a {@link BenchCase} and list it in cases/index.ts.
 */
import { median, type MpiTransport } from '../util.js';

/** The implementations compared, in column order. */
export const COLUMNS = ['tsmpi', 'zeromq', 'ompiTcp', 'ompiSm'] as const;
export type Column = (typeof COLUMNS)[number];

/** Column headings: raw zeromq.js sockets; mpi4py under Open MPI over TCP, over shared memory. */
export const COLUMN_TITLES: Record<Column, string> = {
  tsmpi: 'tsmpi',
  zeromq: 'zeromq.js',
  ompiTcp: 'MPI TCP',
  ompiSm: 'MPI sm',
};

/** Seconds per operation (lower is better) for each column that measured it. */
export type Figures = Partial<Record<Column, number | undefined>>;

export interface Target {
  /** The target in words, e.g. '≤ 2× Open MPI TCP'. */
  readonly text: string;
  /** Whether the figures meet it; undefined when a figure it needs is missing. */
  readonly met: (seconds: Figures, ratio: (column: Column) => number | undefined) => boolean | undefined;
}

export interface Row {
  /** What is measured, e.g. 'Allreduce 1 MiB'. */
  readonly name: string;
  readonly np: number;
  readonly seconds: Figures;
  /**
   * tsmpi ÷ column measured as the median of per-round ratios within one process, where
   * the variants were interleaved (steadier than a ratio of medians); used instead of the
   * ratio of `seconds` where given.
   */
  readonly pairedRatio?: Figures;
  readonly target?: Target;
}

export interface BenchContext {
  /** Fewer rounds and repetitions: a rough table in about a minute. */
  readonly quick: boolean;
  /** Outer rounds: how many times each variant's job runs, interleaved with the others. */
  readonly rounds: number;
  /** mpirun + python for a transport, or null when Open MPI or mpi4py is missing. */
  readonly mpi: (transport: MpiTransport) => { mpirun: string[]; python: string } | null;
  /** A progress line on stderr (the table itself goes to stdout). */
  readonly progress: (line: string) => void;
  /**
   * The NODE_EXTRA_CA_CERTS this environment set, or null. run.ts removes it from every job's
   * environment (see its note); the launch case also times the job with it, as this
   * environment would run it.
   */
  readonly extraCaCerts: string | null;
}

export interface BenchCase {
  readonly name: string;
  rows(context: BenchContext): Promise<Row[]>;
}

/** Run `variants` once each per round, `rounds` times, in order within each round; samples per variant. */
export async function interleave<T>(
  rounds: number,
  variants: Readonly<Record<string, (() => T | Promise<T>) | null>>,
): Promise<Record<string, T[]>> {
  const samples: Record<string, T[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, variant] of Object.entries(variants)) {
      if (variant !== null) (samples[name] ??= []).push(await variant());
    }
  }
  return samples;
}

/** Per key, the median over rounds (rounds that lack a key are skipped for it). */
export function mediansOf(samples: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const keys = new Set(samples.flatMap((sample) => Object.keys(sample)));
  return Object.fromEntries([...keys].map((key) => [key, median(samples.flatMap((sample) => sample[key] ?? []))]));
}

/** value ≤ limit, or undefined when the value is missing. */
export function atMost(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined || Number.isNaN(value) ? undefined : value <= limit;
}

/** All true, or undefined when any is unknown. */
export function all(...checks: (boolean | undefined)[]): boolean | undefined {
  return checks.includes(undefined) ? undefined : checks.every(Boolean);
}
