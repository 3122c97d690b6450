// The lesson's scatter example: rank 0 holds one message per rank; scatter gives rank i the i-th.
//   npx tsmpirun -np 4 node dist/examples/lesson/scatter.js
import { init } from 'tsmpi';

const comm = await init();
const size = comm.Get_size();
const rank = comm.Get_rank();

let sendbuf: string[] | null = null;
if (rank === 0) {
  sendbuf = [];
  for (let i = 0; i < size; i++) {
    sendbuf.push(`Hello World from rank 0 to rank ${i}`);
  }
}

const recvbuf = await comm.scatter(sendbuf, 0); //                      recvbuf = comm.scatter(sendbuf, root=0)
console.log(`rank ${rank} received message: ${recvbuf}`);
