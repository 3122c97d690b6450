// bcast-loop: the same value from rank 0 to every rank, twice — first as a loop of sends at
// the root (what one writes with point-to-point calls alone), then with the collective
// `bcast` (a binomial tree: ⌈log2 p⌉ rounds). Trace it to see the difference
// (docs/teaching.md):
//   npx tsmpirun -np 8 --trace bcast.json node dist/examples/bcast-loop.js
//   npx tsmpi-trace bcast.json --html bcast.html
import { init } from 'tsmpi';

const comm = await init();
const { rank, size } = comm;
const value = rank === 0 ? { seed: 42, words: ['the', 'of', 'and'] } : null;

// 1. The loop: rank 0 sends to 1, 2, ..., p − 1 in turn; the last rank waits for all of them.
let looped = value;
if (rank === 0) for (let dest = 1; dest < size; dest++) await comm.send(value, dest, 0);
else looped = await comm.recv(0, 0);

await comm.barrier();

// 2. The collective: every rank that has the value passes it on.
const broadcast = await comm.bcast(value, 0);

console.log(`rank ${rank}: loop ${JSON.stringify(looped)} bcast ${JSON.stringify(broadcast)}`);
