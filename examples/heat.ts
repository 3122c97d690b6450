// heat: the 1-D heat equation u_t = u_xx on a rod [0, 1] whose ends are held at 0,
// solved with explicit finite differences. The rod's points are cut into one block per
// rank; every step each rank swaps its edge values with its neighbours (a halo
// exchange) and all ranks agree on the largest change (the residual) to know when to stop.
//   npx tsmpirun -np 4 node dist/examples/heat.js [points] [max-steps] [--tol T] [--dump]
//
// mpi4py original, line by line:
//   cart = comm.Create_cart([size], periods=[False])   const cart = await comm.Create_cart([size], [false]);
//   left, right = cart.Shift(0, 1)                     const [left, right] = cart.Shift(0, 1);
//   cart.Sendrecv(u[n:n+1], right, 0, u[0:1], left, 0) await cart.Sendrecv(u.subarray(n, n + 1), right, 0, u.subarray(0, 1), left, 0);
//   residual = cart.allreduce(change, op=MPI.MAX)      const residual = await cart.allreduce(change, MAX);
import { init, MAX, Wtime } from 'tsmpi';

const comm = await init();
const { rank, size } = comm;

const args = process.argv.slice(2);
const dump = args.includes('--dump');
const tolIndex = args.indexOf('--tol');
const tolerance = tolIndex >= 0 ? Number(args[tolIndex + 1]) : 1e-8;
const [pointsText = '1000', stepsText = '10000'] = args.filter((arg, i) => !arg.startsWith('--') && (tolIndex < 0 || i !== tolIndex + 1));
const points = Number(pointsText);
const maxSteps = Number(stepsText);
if (!Number.isInteger(points) || points < size || !Number.isInteger(maxSteps) || maxSteps < 1 || !(tolerance >= 0)) {
  // Every rank sees the same arguments, so every rank stops here. Rank 0 says why; the barrier
  // keeps the others from exiting before it has (tsmpirun stops a job at its first failing rank).
  if (rank === 0) console.error(`heat: usage: heat.js [points ≥ ${size}] [max-steps ≥ 1] [--tol T ≥ 0] [--dump] (got ${args.join(' ')})`);
  await comm.barrier();
  process.exit(2);
}

// A line of ranks with two open ends: Shift gives PROC_NULL beyond the first and the last
// rank, and sends to or receives from PROC_NULL do nothing, so the ends need no `if`.
const cart = await comm.Create_cart([size], [false]);
if (cart === null) throw new Error('heat: every rank is on a grid of comm.size ranks');
const [left, right] = cart.Shift(0, 1);

// My block of the rod's interior points 1..points (the first `points % size` ranks get one more).
const base = Math.floor(points / size);
const extra = points % size;
const n = base + (rank < extra ? 1 : 0);
const first = rank * base + Math.min(rank, extra) + 1; // global index of my first point

// u[1..n] are my points; u[0] and u[n + 1] are ghost cells holding the neighbours' edge
// values (at the ends of the rod they stay 0: the boundary condition).
const h = 1 / (points + 1);
const r = 0.25; // dt / h², stable for r ≤ 0.5
let u = new Float64Array(n + 2);
let next = new Float64Array(n + 2);
for (let i = 1; i <= n; i++) {
  const x = (first + i - 1) * h;
  u[i] = x < 0.5 ? 2 * x : 2 * (1 - x); // a tent: hot in the middle
}

await cart.Barrier();
const start = Wtime();
let steps = 0;
let residual = Infinity;
while (steps < maxSteps && residual > tolerance) {
  // Halo exchange: my last point goes right while my left ghost comes from the left, then the mirror image.
  await cart.Sendrecv(u.subarray(n, n + 1), right, 0, u.subarray(0, 1), left, 0);
  await cart.Sendrecv(u.subarray(1, 2), left, 1, u.subarray(n + 1, n + 2), right, 1);
  let change = 0;
  for (let i = 1; i <= n; i++) {
    const value = u[i]! + r * (u[i - 1]! - 2 * u[i]! + u[i + 1]!);
    change = Math.max(change, Math.abs(value - u[i]!));
    next[i] = value;
  }
  [u, next] = [next, u];
  steps++;
  // The largest change anywhere: MAX gives the same bits whatever the grouping.
  residual = await cart.allreduce(change, MAX);
}
const seconds = Wtime() - start;

// Collect the blocks on rank 0, in rank order (undefined on the other ranks).
const blocks = await cart.gather(u.slice(1, n + 1), 0);
if (blocks !== undefined) {
  const rod = Float64Array.from(blocks.flatMap((block) => [...block]));
  if (dump) for (const value of rod) console.log(value);
  const middle = rod[Math.floor((points - 1) / 2)] ?? 0;
  console.log(
    `heat: ${points} points on ${size} ranks: ${steps} steps, residual ${residual.toExponential(3)}, ` +
      `u(middle) = ${middle.toFixed(6)}, ${seconds.toFixed(3)} s (${((seconds / steps) * 1e6).toFixed(1)} µs per step)`,
  );
}
