/**
 * Rows: `Allreduce` (SUM) and `Bcast` (root 0) of float64 arrays of 8 B, 64 KiB, 1 MiB and
 * 16 MiB at np 2, 4 and 8 on this host: the slowest rank's time per operation. tsmpi runs
 * bench/cases/collectives-rank.ts under tsmpirun, mpi4py runs bench/mpi4py/allreduce-bcast.py
 * under Open MPI over TCP and over shared memory; per np the three jobs take turns, round by round.
 *
 * "the floor" rows (np 2 and 4, where tsmpi takes recursive doubling at 1 MiB): np processes of
 * bench/cases/allreduce-floor-rank.ts started at once, which do only the data work of tsmpi's
 * 1 MiB `Allreduce` on one host (per step: its vector into a file in RAM, its partner's file
 * into a scratch vector, tsmpi's SUM kernel), no message and no waiting; the slowest process's
 * time per operation. They take turns with the three jobs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { jobDirParent } from '../../launcher/job-dir.js';
import { formatBytes, LAUNCHER, lastJson, ROOT, run, runAsync } from '../util.js';
import { atMost, interleave, mediansOf, type BenchCase, type Row } from './case.js';

const SIZES = [8, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];
const NPS = [2, 4, 8];

/** The vector size of the floor rows: the size of the `Allreduce` target. */
const FLOOR_BYTES = 1024 * 1024;
const FLOOR_KEY = `Allreduce floor ${FLOOR_BYTES}`;
/** The np of the floor rows: those of the `Allreduce` target, where 1 MiB goes by recursive doubling (collectives/select.ts). */
const FLOOR_NPS = [2, 4];

/**
 * The floor of a 1 MiB `Allreduce` at `np` (a power of two): np processes doing its data work
 * at once, in files of a fresh directory where tsmpirun would make the job's (RAM-backed);
 * the slowest process's seconds per operation.
 */
async function allreduceFloor(np: number, reps: number, rounds: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(jobDirParent(), 'tsmpi-bench-floor-'));
  try {
    for (let rank = 0; rank < np; rank++) writeFileSync(join(dir, `${rank}.vec`), new Uint8Array(FLOOR_BYTES));
    const program = join(ROOT, 'dist/bench/cases/allreduce-floor-rank.js');
    const env = { BENCH_FLOOR_BYTES: String(FLOOR_BYTES), BENCH_FLOOR_REPS: String(reps), BENCH_ROUNDS: rounds };
    const outputs = await Promise.all(
      Array.from({ length: np }, (_, rank) => runAsync(process.execPath, [program, dir, String(rank), String(np)], env)),
    );
    return { [FLOOR_KEY]: Math.max(...outputs.map((text) => lastJson<{ seconds: number }>(text).seconds)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Repetitions per timed figure: OSU's collective benchmarks' counts (1000 up to 8 KiB, 100
 * above), and 10 at 16 MiB, where 100 would take minutes at np 8 on two cores.
 */
function repetitions(bytes: number, quick: boolean): number {
  const full = bytes <= 8 * 1024 ? 1000 : bytes <= 1024 * 1024 ? 100 : 10;
  return quick ? Math.max(1, Math.round(full / 4)) : full;
}

export const collectives: BenchCase = {
  name: 'collectives',
  async rows({ quick, rounds, mpi, progress }) {
    const env = { BENCH_SIZES: SIZES.map((bytes) => `${bytes}:${repetitions(bytes, quick)}`).join(','), BENCH_ROUNDS: quick ? '1' : '3' };
    const rows: Row[] = [];
    const byNp = new Map<number, Record<string, Record<string, number>>>();
    for (const np of NPS) {
      progress(
        `collectives at np ${np}: ${rounds} rounds of tsmpi, mpi4py over TCP, mpi4py over shared memory${np > availableParallelism() ? ` (${np} ranks on ${availableParallelism()} cores)` : ''}`,
      );
      const python = (transport: 'tcp' | 'sm') => {
        const open = mpi(transport);
        return open === null
          ? null
          : () =>
              lastJson<Record<string, number>>(
                run(
                  open.mpirun[0] as string,
                  [...open.mpirun.slice(1), '-np', String(np), open.python, join(ROOT, 'bench/mpi4py/allreduce-bcast.py')],
                  env,
                ),
              );
      };
      const samples = await interleave(rounds, {
        tsmpi: () =>
          lastJson<Record<string, number>>(
            run(process.execPath, [LAUNCHER, '-np', String(np), 'node', join(ROOT, 'dist/bench/cases/collectives-rank.js')], env),
          ),
        ompiTcp: python('tcp'),
        ompiSm: python('sm'),
        floor: FLOOR_NPS.includes(np) ? () => allreduceFloor(np, repetitions(FLOOR_BYTES, quick), env.BENCH_ROUNDS) : null,
      });
      byNp.set(np, Object.fromEntries(Object.entries(samples).map(([column, values]) => [column, mediansOf(values)])));
    }
    for (const operation of ['Allreduce', 'Bcast']) {
      for (const bytes of SIZES) {
        for (const np of NPS) {
          const figures = byNp.get(np) ?? {};
          const key = `${operation} ${bytes}`;
          const targeted = operation === 'Allreduce' && bytes === 1024 * 1024 && np <= 4;
          rows.push({
            name: `${operation} ${formatBytes(bytes)}`,
            np,
            seconds: { tsmpi: figures.tsmpi?.[key], ompiTcp: figures.ompiTcp?.[key], ompiSm: figures.ompiSm?.[key] },
            ...(targeted ? { target: { text: '≤ 2× MPI TCP', met: (_, ratio) => atMost(ratio('ompiTcp'), 2) } } : {}),
          });
        }
        if (operation === 'Allreduce' && bytes === FLOOR_BYTES) {
          for (const np of FLOOR_NPS) {
            const figures = byNp.get(np) ?? {};
            const key = `Allreduce ${bytes}`;
            rows.push({
              name: `Allreduce ${formatBytes(bytes)}: the floor, its file copies and SUMs alone`,
              np,
              seconds: { tsmpi: figures.floor?.[FLOOR_KEY], ompiTcp: figures.ompiTcp?.[key], ompiSm: figures.ompiSm?.[key] },
            });
          }
        }
      }
    }
    return rows;
  },
};
