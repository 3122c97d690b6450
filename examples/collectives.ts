// collectives: what each collective does, shown on a few ranks. Every rank calls every
// collective (that is what "collective" means); each line says who holds what afterwards.
//   npx tsmpirun -np 4 node dist/examples/collectives.js
import { init, MAX, SUM } from 'tsmpi';

const comm = await init();
const { rank, size } = comm;

/** JSON, but `undefined` (what non-roots get from gather and reduce) shown as such. */
const fmt = (value: unknown): string => (value === undefined ? 'undefined' : JSON.stringify(value));

/** Everybody sends its line to rank 0, which prints them in rank order: output stays readable. */
async function show(title: string, line: string): Promise<void> {
  const lines = await comm.gather(line, 0);
  if (lines !== undefined) {
    console.log(title);
    lines.forEach((text, r) => console.log(`  rank ${r}: ${text}`));
  }
}

// barrier: nobody leaves until everybody has arrived.
await comm.barrier();
await show('barrier(): every rank waited for all the others', 'passed the barrier');

// bcast: the root's value is copied to everyone.
const greeting = await comm.bcast(rank === 0 ? 'hello from the root' : null, 0);
await show("bcast(value, root=0): everyone gets the root's value", fmt(greeting));

// scatter: the root hands out one item per rank.
const item = await comm.scatter(rank === 0 ? Array.from({ length: size }, (_, r) => `item ${r}`) : null, 0);
await show("scatter(values, root=0): rank r gets the root's values[r]", fmt(item));

// gather: the opposite; the root collects one value per rank, in rank order.
const squares = await comm.gather(rank * rank, 0);
await show('gather(rank*rank, root=0): only the root gets the list', fmt(squares));

// allgather: like gather, but everybody gets the list.
const everyone = await comm.allgather(rank * rank);
await show('allgather(rank*rank): everybody gets the list', fmt(everyone));

// alltoall: rank r sends values[d] to rank d; each rank gets one value from every rank.
const mail = await comm.alltoall(Array.from({ length: size }, (_, d) => `${rank}->${d}`));
await show('alltoall(values): rank d gets values[d] from every rank', fmt(mail));

// reduce: combine one value per rank with an operation; the result lands on the root.
const total = await comm.reduce(rank + 1, SUM, 0);
await show('reduce(rank+1, SUM, root=0): the sum, on the root only', fmt(total));

// allreduce: reduce, and everybody gets the result.
const largest = await comm.allreduce(rank + 1, MAX);
await show('allreduce(rank+1, MAX): the maximum, everywhere', fmt(largest));

// scan and exscan: running totals in rank order (exscan leaves rank 0 out).
const running = await comm.scan(rank + 1, SUM);
const before = await comm.exscan(rank + 1, SUM);
await show('scan(rank+1) / exscan(rank+1): sums over ranks 0..r and 0..r-1', `${running} / ${fmt(before)}`);
