/**
 * Point-to-point benchmark: ping-pong half round-trip latency and streaming bandwidth,
 * tsmpi (typed-array and object forms) against bare zeromq in the same processes, and
 * mpi4py under Open MPI beside them when installed. Medians over interleaved rounds.
 *   node dist/bench/p2p.js        (BENCH_ROUNDS=N for more rounds)
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes, LAUNCHER, lastJson, mpi4py, ROOT, run, table } from './util.js';

interface Result {
  latency: Record<string, Record<string, number>>;
  /** Median over rounds of (tsmpi typed / raw − 1), paired within each round. */
  overhead?: Record<string, number>;
  /** Median over rounds of tsmpi typed / raw streaming bandwidth, paired within each round. */
  streamRatio?: Record<string, number>;
  stream?: Record<string, Record<string, number>>;
}

export async function main(): Promise<void> {
  const tsmpi = lastJson<Result>(run(process.execPath, [LAUNCHER, '-np', '2', 'node', join(ROOT, 'dist/bench/pingpong-rank.js')]));
  const mpi = mpi4py();
  let python: Result | null = null;
  if ('missing' in mpi) console.log(`(mpi4py columns omitted: ${mpi.missing})`);
  else
    python = lastJson<Result>(
      run(mpi.mpirun[0] as string, [...mpi.mpirun.slice(1), '-np', '2', mpi.python, join(ROOT, 'bench/mpi4py/pingpong.py')]),
    );

  const sizes = Object.keys(tsmpi.latency.raw ?? {});
  const us = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(1));
  table(
    'Ping-pong, half round trip (µs, median), 2 ranks on one host',
    ['size', 'zeromq raw', 'tsmpi Send/Recv', 'overhead (paired)', 'tsmpi send/recv', 'mpi4py Send/Recv', 'mpi4py send/recv'],
    sizes.map((bytes) => {
      const raw = tsmpi.latency.raw?.[bytes];
      const typed = tsmpi.latency.typed?.[bytes];
      return [
        formatBytes(Number(bytes)),
        us(raw),
        us(typed),
        tsmpi.overhead?.[bytes] !== undefined ? `${((tsmpi.overhead[bytes] as number) * 100).toFixed(0)}%` : '-',
        us(tsmpi.latency.object?.[bytes]),
        us(python?.latency.buffer?.[bytes]),
        us(python?.latency.object?.[bytes]),
      ];
    }),
  );
  const stream = tsmpi.stream ?? {};
  table(
    'Streaming bandwidth (MB/s, median), 2 ranks on one host',
    ['message size', 'zeromq raw', 'tsmpi Send/Recv', 'tsmpi / raw (paired)'],
    Object.keys(stream.raw ?? {}).map((bytes) => {
      const raw = stream.raw?.[bytes];
      const typed = stream.typed?.[bytes];
      const ratio = tsmpi.streamRatio?.[bytes];
      return [
        formatBytes(Number(bytes)),
        raw?.toFixed(0) ?? '-',
        typed?.toFixed(0) ?? '-',
        ratio === undefined ? '-' : `${(ratio * 100).toFixed(0)}%`,
      ];
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
