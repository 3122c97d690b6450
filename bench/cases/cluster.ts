/**
 * Rows: the lesson's interactive engines. How long `Cluster.start({ n })` takes until every
 * engine is ready, and what one `apply` of an empty function costs (client → every engine →
 * client), at 1 and 4 engines. Only tsmpi has figures (ipyparallel is not part of this
 * comparison); the targets are the issue's: start with 4 engines under 1 s, apply under 5 ms.
 */
import { Cluster } from '../../src/index.js';
import { median } from '../util.js';
import { atMost, type BenchCase, type Row } from './case.js';

const quiet = { output: (): void => {} };

/** Seconds from `Cluster.start({ n })` until it resolves, and the cluster. */
export async function timeStart(n: number): Promise<{ seconds: number; cluster: Cluster }> {
  const started = performance.now();
  const cluster = await Cluster.start({ n, ...quiet });
  return { seconds: (performance.now() - started) / 1000, cluster };
}

/** Seconds of each of `calls` applies of an empty function, after one that compiles it on every engine. */
export async function timeApplies(cluster: Cluster, calls: number): Promise<number[]> {
  await cluster.apply(() => {});
  const seconds: number[] = [];
  for (let call = 0; call < calls; call++) {
    const before = performance.now();
    await cluster.apply(() => {});
    seconds.push((performance.now() - before) / 1000);
  }
  return seconds;
}

export const cluster: BenchCase = {
  name: 'cluster',
  async rows({ quick, rounds, progress }) {
    const calls = quick ? 20 : 100;
    const rows: Row[] = [];
    for (const n of [1, 4]) {
      progress(`cluster: ${rounds} rounds of Cluster.start({ n: ${n} }) and ${calls} empty applies`);
      const starts: number[] = [];
      const applies: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const { seconds, cluster: started } = await timeStart(n);
        starts.push(seconds);
        try {
          applies.push(...(await timeApplies(started, calls)));
        } finally {
          await started.close();
        }
      }
      rows.push(
        {
          name: 'Cluster.start until every engine is ready',
          np: n,
          seconds: { tsmpi: median(starts) },
          ...(n === 4 ? { target: { text: 'tsmpi < 1 s', met: (seconds) => atMost(seconds.tsmpi, 1) } } : {}),
        },
        {
          name: 'cluster.apply of an empty function',
          np: n,
          seconds: { tsmpi: median(applies) },
          ...(n === 4 ? { target: { text: 'tsmpi < 5 ms', met: (seconds) => atMost(seconds.tsmpi, 0.005) } } : {}),
        },
      );
    }
    return rows;
  },
};
