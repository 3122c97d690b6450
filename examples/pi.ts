// pi: the classic. Rank 0 chooses the number of intervals and broadcasts it; every rank
// integrates 4 / (1 + x²) over its share of the intervals (midpoint rule); a reduce adds
// the partial sums on rank 0.
//   npx tsmpirun -np 4 node dist/examples/pi.js [intervals]
import { init, SUM, Wtime } from 'tsmpi';

const comm = await init();
const start = Wtime();

// Only rank 0 reads the argument; the others get it from the broadcast (mpi4py: comm.bcast(n, root=0)).
let intervals: number | null = null;
if (comm.rank === 0) {
  intervals = Number(process.argv[2] ?? 10_000_000);
  if (!Number.isInteger(intervals) || intervals < 1) {
    console.error(`pi: the number of intervals must be a positive integer (got ${process.argv[2]})`);
    comm.Abort(1);
  }
}
const n = await comm.bcast(intervals, 0);
if (n === null) throw new Error('pi: no interval count arrived');

// Rank r takes intervals r, r + size, r + 2·size, ...: an even share whatever n is.
const h = 1 / n;
let partial = 0;
for (let i = comm.rank; i < n; i += comm.size) {
  const x = h * (i + 0.5);
  partial += 4 / (1 + x * x);
}
partial *= h;

// Add the partial sums on rank 0 (mpi4py: comm.reduce(partial, op=MPI.SUM, root=0)).
// Non-root ranks get undefined. The sum's grouping is fixed, so the digits are the same on every run.
const pi = await comm.reduce(partial, SUM, 0);
if (comm.rank === 0 && pi !== undefined) {
  console.log(`pi is approximately ${pi.toFixed(16)}, error ${Math.abs(pi - Math.PI).toExponential(3)}`);
  console.log(`${n} intervals on ${comm.size} ranks in ${(Wtime() - start).toFixed(3)} s`);
}
