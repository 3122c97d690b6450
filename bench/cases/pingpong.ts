/**
 * Rows: 8 B and 16 MiB ping-pong between two ranks on this host, half round trip.
 * tsmpi (`Send`/`Recv` of a Uint8Array) and raw zeromq.js (DEALER→ROUTER over ipc, no tsmpi
 * layer) run interleaved in the same two processes (bench/pingpong-rank.ts), so their ratio is
 * paired round by round; mpi4py (`Send`/`Recv` of a bytearray) runs under Open MPI over TCP on
 * loopback and over shared memory (bench/mpi4py/pingpong.py).
 */
import { join } from 'node:path';
import { LAUNCHER, lastJson, ROOT, run } from '../util.js';
import { all, atMost, interleave, mediansOf, type BenchCase, type Row } from './case.js';

const SIZES = [8, 16 * 1024 * 1024];

interface TsmpiJob {
  /** µs, median over the job's rounds. */
  latency: { raw: Record<string, number>; typed: Record<string, number> };
  /** Median over rounds of typed / raw − 1. */
  overhead: Record<string, number>;
}

interface PythonJob {
  latency: { buffer: Record<string, number> };
}

export const pingpong: BenchCase = {
  name: 'ping-pong',
  async rows({ quick, rounds, mpi, progress }) {
    const env = {
      BENCH_SIZES: SIZES.join(','),
      BENCH_ROUNDS: quick ? '3' : '7',
      BENCH_WARMUP_ROUNDS: quick ? '2' : '6',
      BENCH_STREAM: 'off',
    };
    const python = (transport: 'tcp' | 'sm') => {
      const open = mpi(transport);
      if (open === null) return null;
      return () => {
        const job = lastJson<PythonJob>(
          run(open.mpirun[0] as string, [...open.mpirun.slice(1), '-np', '2', open.python, join(ROOT, 'bench/mpi4py/pingpong.py')], {
            ...env,
            BENCH_VARIANTS: 'buffer',
          }),
        );
        return Object.fromEntries(SIZES.map((bytes) => [String(bytes), (job.latency.buffer[bytes] ?? Number.NaN) / 1e6]));
      };
    };
    progress(`ping-pong: ${rounds} rounds of tsmpi + zeromq.js raw (one job), mpi4py over TCP, mpi4py over shared memory`);
    const samples = await interleave(rounds, {
      tsmpi: () => {
        const job = lastJson<TsmpiJob>(
          run(process.execPath, [LAUNCHER, '-np', '2', 'node', join(ROOT, 'dist/bench/pingpong-rank.js')], {
            ...env,
            BENCH_VARIANTS: 'raw,typed',
          }),
        );
        return Object.fromEntries(
          SIZES.flatMap((bytes) => [
            [`tsmpi ${bytes}`, (job.latency.typed[bytes] ?? Number.NaN) / 1e6],
            [`zeromq ${bytes}`, (job.latency.raw[bytes] ?? Number.NaN) / 1e6],
            [`paired ${bytes}`, 1 + (job.overhead[bytes] ?? Number.NaN)],
          ]),
        );
      },
      ompiTcp: python('tcp'),
      ompiSm: python('sm'),
    });
    const ours = mediansOf(samples.tsmpi ?? []);
    const tcp = mediansOf(samples.ompiTcp ?? []);
    const sm = mediansOf(samples.ompiSm ?? []);
    return SIZES.map((bytes): Row => ({
      name: `ping-pong ${bytes === 8 ? '8 B' : '16 MiB'} (half round trip)`,
      np: 2,
      seconds: { tsmpi: ours[`tsmpi ${bytes}`], zeromq: ours[`zeromq ${bytes}`], ompiTcp: tcp[String(bytes)], ompiSm: sm[String(bytes)] },
      pairedRatio: { zeromq: ours[`paired ${bytes}`] },
      target:
        bytes === 8
          ? { text: '≤ 1.3× zeromq.js', met: (_, ratio) => atMost(ratio('zeromq'), 1.3) }
          : {
              text: 'bandwidth ≥ 0.5× MPI TCP, ≥ 0.9× zeromq.js',
              met: (_, ratio) => all(atMost(ratio('ompiTcp'), 1 / 0.5), atMost(ratio('zeromq'), 1 / 0.9)),
            },
    }));
  },
};
