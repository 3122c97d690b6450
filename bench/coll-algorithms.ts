/**
 * Collective algorithms by message size: `Allreduce` (float64, SUM) and `Bcast` from
 * 8 B to 16 MiB at np 2, 4 and 8, with each algorithm forced through its override
 * (`TSMPI_COLL_ALLREDUCE`, `TSMPI_COLL_BCAST`) and mpi4py over Open MPI's TCP transport
 * beside them when installed; the algorithm select.ts chooses is marked. The switch
 * points in src/collectives/select.ts come from these tables. `recursive-doubling` and
 * `binomial` are what every size used before the choice by size.
 *
 *   node dist/bench/coll-algorithms.js     (BENCH_NP=2,4,8  BENCH_SIZES=8,65536,...  BENCH_ROUNDS=N)
 * Figures: the slowest rank's time per operation (µs), median over interleaved rounds.
 * The same file is the rank program: under tsmpirun (TSMPI_RANK set) it measures and
 * rank 0 prints one JSON line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALGORITHMS, chooseAllreduce, chooseBcast } from '../src/collectives/select.js';
import { LAUNCHER, formatBytes, lastJson, mpi4py, run, table } from './util.js';

/** Per operation ('Allreduce' | 'Bcast'), per byte size: µs. */
type Figures = Record<string, Record<string, number>>;

const DEFAULT_SIZES = [8, 1024, 8 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024];

function sizes(): number[] {
  return (process.env.BENCH_SIZES ?? DEFAULT_SIZES.join(',')).split(',').map(Number);
}

/** Repetitions per sample: about 8 MiB of vector per sample, between 2 and 200. */
function repetitions(bytes: number): number {
  return Math.max(2, Math.min(200, Math.floor((8 * 1024 * 1024) / Math.max(bytes, 1))));
}

async function rankProgram(): Promise<void> {
  const { init, finalize, MAX, SUM, Wtime } = await import('../src/index.js');
  const comm = await init();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const ops = (process.env.BENCH_OPS ?? 'Allreduce,Bcast').split(',');
  const samples: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const bytes of sizes()) {
      const count = Math.max(1, bytes / 8);
      const send = new Float64Array(count).fill(comm.rank + 0.5);
      const recv = new Float64Array(count);
      const bodies: Record<string, () => Promise<void>> = {
        Allreduce: () => comm.Allreduce(send, recv, SUM),
        Bcast: () => comm.Bcast(send, 0),
      };
      for (const op of ops) {
        const body = bodies[op];
        if (body === undefined) throw new Error(`BENCH_OPS: unknown operation ${op}`);
        const reps = repetitions(bytes);
        await comm.barrier();
        const cpu = process.cpuUsage();
        const start = Wtime();
        for (let i = 0; i < reps; i++) await body();
        const seconds = (await comm.allreduce((Wtime() - start) / reps, MAX)) as number;
        const used = process.cpuUsage(cpu);
        const cpuSeconds = (await comm.allreduce((used.user + used.system) / 1e6 / reps, SUM)) as number;
        ((samples[op] ??= {})[String(bytes)] ??= []).push(seconds * 1e6);
        ((samples[`${op} CPU`] ??= {})[String(bytes)] ??= []).push(cpuSeconds * 1e6);
      }
    }
  }
  if (comm.rank === 0) console.log(JSON.stringify(medians(samples)));
  await finalize();
}

function medians(samples: Record<string, Record<string, number[]>>): Figures {
  const out: Figures = {};
  for (const [op, bySize] of Object.entries(samples)) {
    for (const [bytes, values] of Object.entries(bySize)) {
      const sorted = [...values].sort((a, b) => a - b);
      (out[op] ??= {})[bytes] = sorted[Math.floor(sorted.length / 2)] ?? NaN;
    }
  }
  return out;
}

/** The same measurements in mpi4py (array.array: Debian's python3 has no numpy). */
const PYTHON = String.raw`
import json, os, statistics, time
from array import array
from mpi4py import MPI
comm = MPI.COMM_WORLD
rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
sizes = [int(s) for s in os.environ["BENCH_SIZES"].split(",")]
samples = {"Allreduce": {}, "Bcast": {}}
for _ in range(rounds):
    for nbytes in sizes:
        count = max(1, nbytes // 8)
        send = array("d", [comm.rank + 0.5]) * count
        recv = array("d", [0.0]) * count
        reps = max(2, min(200, (8 * 1024 * 1024) // max(nbytes, 1)))
        for op, body in (("Allreduce", lambda: comm.Allreduce([send, MPI.DOUBLE], [recv, MPI.DOUBLE], MPI.SUM)), ("Bcast", lambda: comm.Bcast([send, MPI.DOUBLE], 0))):
            comm.Barrier()
            cpu = time.process_time()
            start = MPI.Wtime()
            for _ in range(reps):
                body()
            seconds = comm.allreduce((MPI.Wtime() - start) / reps, op=MPI.MAX)
            cpu_seconds = comm.allreduce((time.process_time() - cpu) / reps, op=MPI.SUM)
            samples[op].setdefault(str(nbytes), []).append(seconds * 1e6)
            samples.setdefault(op + " CPU", {}).setdefault(str(nbytes), []).append(cpu_seconds * 1e6)
if comm.rank == 0:
    print(json.dumps({op: {k: statistics.median(v) for k, v in by.items()} for op, by in samples.items()}))
`;

const us = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '-' : value >= 1000 ? value.toFixed(0) : value.toFixed(1);

/** One measured column: an algorithm forced by its override, or mpi4py. */
interface Variant {
  readonly op: 'Allreduce' | 'Bcast';
  readonly name: string;
  readonly job: (np: number) => Figures;
}

/** Median of each (op, bytes) over jobs. */
function medianOf(runs: readonly Figures[]): Figures {
  const samples: Record<string, Record<string, number[]>> = {};
  for (const figures of runs) {
    for (const [op, bySize] of Object.entries(figures)) {
      for (const [bytes, value] of Object.entries(bySize)) ((samples[op] ??= {})[bytes] ??= []).push(value);
    }
  }
  return medians(samples);
}

/**
 * Every algorithm of Allreduce and Bcast at each np, and mpi4py, one job per variant,
 * the variants interleaved over BENCH_ROUNDS rounds (this VM's speed moves with load);
 * one table per (operation, np), with the algorithm select.ts chooses marked.
 */
export async function main(): Promise<void> {
  const nps = (process.env.BENCH_NP ?? '2,4,8').split(',').map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const list = sizes().join(',');
  const mpi = mpi4py();
  if ('missing' in mpi) console.log(`(mpi4py columns omitted: ${mpi.missing})`);
  const dir = mkdtempSync(join(tmpdir(), 'tsmpi-bench-algo-'));
  const script = join(dir, 'coll_algorithms.py');
  writeFileSync(script, PYTHON);
  const tsmpi = (env: Record<string, string>) => (np: number) =>
    lastJson<Figures>(
      run(process.execPath, [LAUNCHER, '-np', String(np), 'node', fileURLToPath(import.meta.url)], {
        BENCH_SIZES: list,
        BENCH_ROUNDS: '1',
        ...env,
      }),
    );
  const variants: Variant[] = [
    ...ALGORITHMS.allreduce.map((name): Variant => ({
      op: 'Allreduce',
      name,
      job: tsmpi({ TSMPI_COLL_ALLREDUCE: name, BENCH_OPS: 'Allreduce' }),
    })),
    ...ALGORITHMS.bcast.map((name): Variant => ({ op: 'Bcast', name, job: tsmpi({ TSMPI_COLL_BCAST: name, BENCH_OPS: 'Bcast' }) })),
  ];
  try {
    for (const np of nps) {
      const runs = new Map<string, Figures[]>();
      for (let round = 0; round < rounds; round++) {
        for (const variant of variants) {
          const key = `${variant.op}/${variant.name}`;
          runs.set(key, [...(runs.get(key) ?? []), variant.job(np)]);
        }
        if (!('missing' in mpi)) {
          const figures = lastJson<Figures>(
            run(mpi.mpirun[0] as string, [...mpi.mpirun.slice(1), '-np', String(np), mpi.python, script], {
              BENCH_SIZES: list,
              BENCH_ROUNDS: '1',
            }),
          );
          runs.set('mpi4py', [...(runs.get('mpi4py') ?? []), figures]);
        }
      }
      const theirs = runs.has('mpi4py') ? medianOf(runs.get('mpi4py') ?? []) : null;
      for (const [op, kind] of [
        ['Allreduce', 'time'],
        ['Bcast', 'time'],
        ['Allreduce', 'CPU'],
        ['Bcast', 'CPU'],
      ] as const) {
        const mine = variants
          .filter((variant) => variant.op === op)
          .map((variant) => ({ name: variant.name, figures: medianOf(runs.get(`${op}/${variant.name}`) ?? []) }));
        const what =
          kind === 'time'
            ? 'µs per operation, slowest rank'
            : 'CPU µs per operation, all ranks summed (steadier than time on a loaded machine)';
        const key = (bytes: number): [string, string] => [kind === 'time' ? op : `${op} CPU`, String(bytes)];
        table(
          `${op} at np ${np} (float64${op === 'Allreduce' ? ', SUM' : ''}; ${what}; median of ${rounds} interleaved jobs; * = chosen by select.ts)`,
          ['bytes', ...mine.map((column) => column.name), 'mpi4py (Open MPI TCP)', 'chosen / mpi4py'],
          sizes().map((bytes) => {
            const [row, column] = key(bytes);
            const choice =
              op === 'Allreduce'
                ? chooseAllreduce({ size: np, count: Math.max(1, bytes / 8), elementBytes: 8, builtin: true, commutative: true })
                : chooseBcast({ size: np, byteLength: Math.max(8, bytes), oneHost: true }); // every job here runs on this host
            const chosen = mine.find((variant) => variant.name === choice)?.figures[row]?.[column];
            const other = theirs?.[row]?.[column];
            return [
              formatBytes(bytes),
              ...mine.map((variant) => `${us(variant.figures[row]?.[column])}${variant.name === choice ? '*' : ' '}`),
              us(other),
              chosen !== undefined && other !== undefined ? `${(chosen / other).toFixed(1)}x` : '-',
            ];
          }),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env.TSMPI_RANK !== undefined) await rankProgram();
  else await main();
}
