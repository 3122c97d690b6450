// p2p: the lesson's first point-to-point program. Every rank but 0 sends a greeting
// to rank 0, which receives them in rank order and prints them.
//   npx tsmpirun -np 4 node dist/examples/p2p.js
//
// mpi4py original, line by line:
//   comm = MPI.COMM_WORLD              const comm = await init();
//   rank = comm.Get_rank()             const rank = comm.Get_rank();
//   comm.send(msg, dest=0, tag=11)     await comm.send(msg, 0, 11);
//   msg = comm.recv(source=i, tag=11)  const msg = await comm.recv(i, 11);
import { hostname } from 'node:os';
import { init } from 'tsmpi';

const comm = await init();
const rank = comm.Get_rank();
const size = comm.Get_size();

if (rank !== 0) {
  const message = `Hello from rank ${rank} on ${hostname()}`;
  await comm.send(message, 0, 11);
} else {
  console.log(`rank 0 of ${size} receiving ${size - 1} greetings`);
  for (let source = 1; source < size; source++) {
    const message = await comm.recv(source, 11);
    console.log(`rank 0 got: ${String(message)}`);
  }
}
