/**
 * Rows: the 8 B ping-pong (bench/pingpong-rank.ts, `Send`/`Recv` of a Uint8Array between two
 * ranks on this host) with tracing off and with `--trace` on, jobs interleaved round by
 * round. Target: tracing on costs at most 25 % (README, "Tracing"). The trace file is
 * written to a temporary directory and removed.
 *
 * Three times as many rounds as the other cases (unless --quick): a traced job's latency
 * varies more from job to job on a 2-core machine (66–103 µs in six jobs, against 76–81
 * untraced), and the ratio of two medians of three swung from 0.93× to 1.36× in three runs
 * minutes apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAUNCHER, lastJson, ROOT, run } from '../util.js';
import { atMost, interleave, mediansOf, type BenchCase, type Row } from './case.js';

interface TsmpiJob {
  latency: { typed: Record<string, number> };
}

export const tracing: BenchCase = {
  name: 'tracing',
  async rows({ quick, rounds, progress }) {
    const env = {
      BENCH_SIZES: '8',
      BENCH_ROUNDS: quick ? '3' : '7',
      BENCH_WARMUP_ROUNDS: quick ? '2' : '6',
      BENCH_STREAM: 'off',
      BENCH_VARIANTS: 'typed',
    };
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-bench-trace-'));
    const job = (trace: boolean) => (): Record<string, number> => {
      const args = [
        LAUNCHER,
        '-np',
        '2',
        ...(trace ? ['--trace', join(dir, 'pingpong.json')] : []),
        'node',
        join(ROOT, 'dist/bench/pingpong-rank.js'),
      ];
      const result = lastJson<TsmpiJob>(run(process.execPath, args, env));
      return { latency: (result.latency.typed['8'] ?? Number.NaN) / 1e6 };
    };
    const jobs = quick ? rounds : 3 * rounds;
    progress(`tracing: ${jobs} rounds of the 8 B ping-pong with tracing off and on`);
    try {
      const samples = await interleave(jobs, { off: job(false), on: job(true) });
      const off = mediansOf(samples.off ?? []).latency;
      const on = mediansOf(samples.on ?? []).latency;
      const base: Row = { name: 'ping-pong 8 B, tracing off', np: 2, seconds: { tsmpi: off } };
      const traced: Row = {
        name: 'ping-pong 8 B, tracing on (--trace)',
        np: 2,
        seconds: { tsmpi: on },
        target: {
          text: `≤ 1.25× tracing off (${off === undefined || on === undefined ? '?' : (on / off).toFixed(2)}×)`,
          met: () => atMost(on === undefined || off === undefined ? undefined : on / off, 1.25),
        },
      };
      return [base, traced];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
