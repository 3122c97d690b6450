// Rank program of the collectives case (bench/cases/collectives.ts), under tsmpirun:
// `Allreduce` (SUM) and `Bcast` (root 0) of a Float64Array for each `bytes:repetitions` pair in
// BENCH_SIZES, interleaved, BENCH_ROUNDS rounds, after an untimed warm-up. A figure is the
// slowest rank's seconds per operation; rank 0 prints one JSON line
// {"Allreduce <bytes>": median seconds, "Bcast <bytes>": ...}.
// The same in mpi4py: bench/mpi4py/allreduce-bcast.py.
import { init, MAX, SUM, Wtime } from 'tsmpi';
import { median } from '../util.js';

const comm = await init();
const plan = (process.env.BENCH_SIZES ?? '8:100').split(',').map((pair) => pair.split(':').map(Number) as [number, number]);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

/** The slowest rank's seconds per repetition of `body`. */
async function time(reps: number, body: () => Promise<unknown>): Promise<number> {
  await comm.Barrier();
  const start = Wtime();
  for (let i = 0; i < reps; i++) await body();
  return (await comm.allreduce((Wtime() - start) / reps, MAX)) as number;
}

const operations = plan.flatMap(([bytes, reps]) => {
  const data = new Float64Array(bytes / 8).fill(comm.rank + 0.5);
  const result = new Float64Array(bytes / 8);
  return [
    { key: `Allreduce ${bytes}`, reps, run: () => comm.Allreduce(data, result, SUM) },
    { key: `Bcast ${bytes}`, reps, run: () => comm.Bcast(data, 0) },
  ];
});
// Warm-up, untimed (as OSU's benchmarks skip their first iterations): first every element type
// reduced once, as in a program that reduces several types (ops.ts keeps a loop per type),
// then each operation WARMUP_FACTOR times its repetitions, long enough for V8 to have compiled
// the path (a small message's first few thousand trips run slower while it does). The same
// in the mpi4py twin.
const WARMUP_FACTOR = 2;
for (const Type of [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array]) {
  await comm.Allreduce(new Type(16).fill(1), new Type(16), SUM);
}
for (const { run, reps } of operations) for (let i = 0; i < WARMUP_FACTOR * reps; i++) await run();
const samples: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const { key, reps, run } of operations) (samples[key] ??= []).push(await time(reps, run));
}
if (comm.rank === 0) console.log(JSON.stringify(Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)]))));
