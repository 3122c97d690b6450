// allreduce: a global average. Each rank makes some measurements of its own; one
// allreduce of [sum, count] gives every rank the average over all measurements, so all
// of them can use it straight away (no second step to send it back out).
//   npx tsmpirun -np 4 node dist/examples/allreduce.js [samples-per-rank]
import { init, SUM } from 'tsmpi';

const comm = await init();
const perRank = Number(process.argv[2] ?? 1000);

// Rank r's "measurements": perRank values r, r + 1, ..., so the answer is easy to check.
const samples = Float64Array.from({ length: perRank }, (_, i) => comm.rank + i);
let localSum = 0;
for (const value of samples) localSum += value;

// One collective for both numbers: elementwise SUM of [sum, count] over all ranks.
// (mpi4py: comm.allreduce(...) for objects, or comm.Allreduce(sendbuf, recvbuf, op=MPI.SUM) for arrays.)
const totals = new Float64Array(2);
await comm.Allreduce(Float64Array.of(localSum, samples.length), totals, SUM);
const [sum = 0, count = 0] = totals;
const average = sum / count;

// Every rank has the same average, to the last bit; each one now uses it, e.g. to centre its own data.
let localSquares = 0;
for (const value of samples) localSquares += (value - average) ** 2;
const variance = (await comm.allreduce(localSquares, SUM)) / count;

if (comm.rank === 0) {
  console.log(`${count} samples on ${comm.size} ranks: average ${average}, standard deviation ${Math.sqrt(variance).toFixed(6)}`);
}
