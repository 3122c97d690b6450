/**
 * Rows: `Allreduce` (SUM) and `Bcast` (root 0) of float64 arrays of 8 B, 64 KiB, 1 MiB and
 * 16 MiB at np 2, 4 and 8 on this host: the slowest rank's time per operation. tsmpi runs
 * bench/cases/collectives-rank.ts under tsmpirun, mpi4py runs bench/mpi4py/allreduce-bcast.py
 * under Open MPI over TCP and over shared memory; per np the three jobs take turns, round by round.
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { formatBytes, LAUNCHER, lastJson, ROOT, run } from '../util.js';
import { atMost, interleave, mediansOf, type BenchCase, type Row } from './case.js';

const SIZES = [8, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];
const NPS = [2, 4, 8];

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
      }
    }
    return rows;
  },
};
