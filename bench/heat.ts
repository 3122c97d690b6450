/**
 * examples/heat.js: time per step against the number of points and ranks, for
 * examples/README.md's "When it pays": `node dist/bench/heat.js [--repeat N]` (or as part of
 * `npm run bench`). Each configuration runs a fixed number of steps (`--tol 0`); the figure is
 * rank 0's own µs per step over the loop (start-up excluded), the median of interleaved rounds.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LAUNCHER, ROOT, table } from './util.js';

const POINTS = [1_000, 10_000, 100_000, 1_000_000];
const NPS = [1, 2, 4];

function perStep(np: number, points: number, steps: number): number {
  const result = spawnSync(
    process.execPath,
    [LAUNCHER, '-np', String(np), 'node', join(ROOT, 'dist/examples/heat.js'), String(points), String(steps), '--tol', '0'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const figure = /\(([\d.]+) µs per step\)/.exec(result.stdout)?.[1];
  if (figure === undefined) throw new Error(`heat.js ${points} at np ${np} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  // Reported, not hidden: a rank may crash after rank 0 has printed (see the report of this run).
  if (result.status !== 0)
    process.stderr.write(
      `heat.js ${points} at np ${np}: timing printed, but the job exited ${result.status ?? result.signal}: ${result.stderr.trim().split('\n').at(-1) ?? ''}\n`,
    );
  return Number(figure);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function main(args: readonly string[] = []): Promise<void> {
  const { values } = parseArgs({ args: [...args], options: { repeat: { type: 'string', default: '3' } }, strict: true });
  const repeat = Number(values.repeat);
  const samples = new Map<string, number[]>();
  for (let round = 0; round < repeat; round++) {
    for (const points of POINTS) {
      const steps = Math.max(20, Math.min(2000, Math.round(2e8 / points / 100)));
      for (const np of NPS) {
        const key = `${points} ${np}`;
        samples.set(key, [...(samples.get(key) ?? []), perStep(np, points, steps)]);
      }
    }
  }
  const rows = POINTS.map((points) => {
    const serial = median(samples.get(`${points} 1`) ?? []);
    return [
      points.toLocaleString('en-US'),
      ...NPS.flatMap((np) => {
        const time = median(samples.get(`${points} ${np}`) ?? []);
        return [time.toFixed(1), np === 1 ? '1.00' : (serial / time).toFixed(2)];
      }),
    ];
  });
  table(
    `heat.js: µs per step (halo exchange + update + allreduce), median of ${repeat} rounds`,
    ['points', ...NPS.flatMap((np) => [`np ${np} µs`, 'speed-up'])],
    rows,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
