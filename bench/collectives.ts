/**
 * Collectives benchmark: barrier, bcast (8 B object, 1 MiB typed array), reduce and
 * allreduce (1 and 128 Ki float64), gather/scatter/allgather of small objects, at np 2, 4
 * and 8, with mpi4py under Open MPI beside them when installed.
 *
 * A collective cannot beat its rounds of point-to-point latency, so each figure is set
 * against tsmpi's own 8 B ping-pong half round trip L (and the one-way 1 MiB transfer time
 * T) measured in the same job. Every call runs the agreement round that checks all ranks
 * are in the same call (⌈log2 p⌉ rounds, src/collectives/agree.ts; it is all a barrier
 * does) alongside its algorithm, so a barrier should take at most 1.5 × ⌈log2 p⌉ × L, and
 * the budgets of a small bcast or reduce (1.5 × 2⌈log2 p⌉ × L), an allreduce
 * (1.5 × 3⌈log2 p⌉ × L) and a 1 MiB Bcast (1.5 × ⌈log2 p⌉ × T plus the agreement's L's)
 * still count the round's latencies in full, as if it ran first: upper bounds. The round
 * makes every call wait for every rank, so a loop of small rooted calls does not overlap
 * successive calls.
 * Figures: the slowest rank's time per operation, median over interleaved rounds.
 *
 *   node dist/bench/collectives.js          (BENCH_ROUNDS=N, BENCH_NP=2,4,8)
 * The same file is the rank program: under tsmpirun (TSMPI_RANK set) it measures and
 * rank 0 prints one JSON line.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAUNCHER, lastJson, mpi4py, ROOT, run, table } from './util.js';

type Figures = Record<string, number>;

const KI128 = 128 * 1024;
const MIB = 1024 * 1024;

/** Operations in table order: name, and the bound's multiple of L (or of T for 'T'). */
const OPS: readonly { name: string; bound: (log: number) => { of: 'L' | 'T'; times: number } | null }[] = [
  { name: 'barrier', bound: (log) => ({ of: 'L', times: 1.5 * log }) },
  { name: 'bcast 8 B object', bound: (log) => ({ of: 'L', times: 1.5 * 2 * log }) },
  { name: 'Bcast 1 MiB', bound: (log) => ({ of: 'T', times: 1.5 * log }) },
  { name: 'reduce 1 float64', bound: (log) => ({ of: 'L', times: 1.5 * 2 * log }) },
  { name: 'Reduce 128 Ki float64', bound: () => null },
  { name: 'allreduce 1 float64', bound: (log) => ({ of: 'L', times: 1.5 * 3 * log }) },
  { name: 'Allreduce 128 Ki float64', bound: () => null },
  { name: 'gather small object', bound: () => null },
  { name: 'scatter small object', bound: () => null },
  { name: 'allgather small object', bound: () => null },
];

async function rankProgram(): Promise<void> {
  const { init, MAX, SUM, Wtime } = await import('../src/index.js');
  const comm = await init();
  const { rank, size } = comm;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const small = { rank, name: `r${rank}` };
  const big = new Uint8Array(MIB).fill(rank);
  const vector = new Float64Array(KI128).fill(rank + 0.5);
  const result = new Float64Array(KI128);
  const eight = new Uint8Array(8);

  /** Slowest rank's seconds per repetition of `body`. */
  async function time(reps: number, body: () => Promise<unknown>): Promise<number> {
    await comm.barrier();
    const start = Wtime();
    for (let i = 0; i < reps; i++) await body();
    const mine = (Wtime() - start) / reps;
    return (await comm.allreduce(mine, MAX)) as number;
  }

  async function pingpong(buf: Uint8Array, reps: number): Promise<number> {
    return time(reps, async () => {
      if (rank === 0) {
        await comm.Send(buf, 1, 9);
        await comm.Recv(buf, 1, 9);
      } else if (rank === 1) {
        await comm.Recv(buf, 0, 9);
        await comm.Send(buf, 0, 9);
      }
    }).then((seconds) => seconds / 2);
  }

  const bench: Record<string, () => Promise<number>> = {
    L: () => pingpong(eight, 500),
    T: () => pingpong(big, 20),
    barrier: () => time(500, () => comm.barrier()),
    'bcast 8 B object': () => time(500, () => comm.bcast(rank === 0 ? 3.141592653589793 : null, 0)),
    'Bcast 1 MiB': () => time(20, () => comm.Bcast(big, 0)),
    'reduce 1 float64': () => time(500, () => comm.reduce(rank + 0.5, SUM, 0)),
    'Reduce 128 Ki float64': () => time(20, () => comm.Reduce(vector, rank === 0 ? result : null, SUM, 0)),
    'allreduce 1 float64': () => time(500, () => comm.allreduce(rank + 0.5, SUM)),
    'Allreduce 128 Ki float64': () => time(20, () => comm.Allreduce(vector, result, SUM)),
    'gather small object': () => time(300, () => comm.gather(small, 0)),
    'scatter small object': () =>
      time(300, () => comm.scatter(rank === 0 ? Array.from({ length: size }, (_, r) => ({ rank: r, name: `r${r}` })) : null, 0)),
    'allgather small object': () => time(300, () => comm.allgather(small)),
  };
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of Object.entries(bench)) (samples[name] ??= []).push(await measure());
  }
  if (rank === 0) console.log(JSON.stringify(medians(samples)));
}

function medians(samples: Record<string, number[]>): Figures {
  const out: Figures = {};
  for (const [name, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    out[name] = (sorted[Math.floor(sorted.length / 2)] ?? 0) * 1e6;
  }
  return out;
}

/** Run the comparison at np 2, 4, 8 and print one table per size. */
export async function main(): Promise<void> {
  const sizes = (process.env.BENCH_NP ?? '2,4,8').split(',').map(Number);
  const mpi = mpi4py();
  if ('missing' in mpi) console.log(`(mpi4py columns omitted: ${mpi.missing})`);
  const script = join(ROOT, 'bench/mpi4py/collectives.py');
  for (const np of sizes) {
    const ours = lastJson<Figures>(run(process.execPath, [LAUNCHER, '-np', String(np), 'node', fileURLToPath(import.meta.url)]));
    const theirs =
      'missing' in mpi
        ? null
        : lastJson<Figures>(run(mpi.mpirun[0] as string, [...mpi.mpirun.slice(1), '-np', String(np), mpi.python, script]));
    const log = Math.ceil(Math.log2(np));
    const L = ours['L'] ?? NaN;
    const T = ours['T'] ?? NaN;
    const us = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1));
    table(
      `Collectives at np ${np} (µs per operation, slowest rank, median); tsmpi L = ${us(L)} µs (8 B half round trip), T = ${us(T)} µs (1 MiB one way)` +
        (theirs ? `; mpi4py L = ${us(theirs['L'])} µs, T = ${us(theirs['T'])} µs` : ''),
      ['operation', 'tsmpi', 'target', 'met', 'tsmpi / L', 'mpi4py', 'tsmpi / mpi4py'],
      OPS.map(({ name, bound }) => {
        const value = ours[name];
        const limit = bound(log);
        const target = limit === null ? undefined : limit.times * (limit.of === 'L' ? L : T);
        const other = theirs?.[name];
        return [
          name,
          us(value),
          target === undefined ? '-' : `≤ ${us(target)}`,
          target === undefined || value === undefined ? '-' : value <= target ? 'yes' : 'NO',
          value === undefined ? '-' : (value / L).toFixed(1),
          us(other),
          value !== undefined && other !== undefined ? `${(value / other).toFixed(1)}x` : '-',
        ];
      }),
    );
  }
  const cores = availableParallelism();
  if (sizes.some((np) => np > cores)) {
    console.log(
      `\nThis machine has ${cores} cores: np above ${cores} oversubscribes it, ranks take turns and times grow beyond the round count.`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env.TSMPI_RANK !== undefined) await rankProgram();
  else await main();
}
