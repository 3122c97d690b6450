// The lesson's isend/irecv example: the send/recv example with non-blocking calls. `isend` and
// `irecv` return a Request at once; `wait()` resolves when the operation has completed (for irecv,
// with the message).
//   npx tsmpirun -np 4 node dist/examples/lesson/isend-irecv.js
import { init } from 'tsmpi';

const comm = await init();
const rank = comm.Get_rank();
const nRanks = comm.Get_size();

if (rank !== 0) {
  // All ranks other than 0 should send a message
  const message = `Hello World, I'm rank ${rank}`;
  const req = comm.isend(message, 0, 0); //                   req = comm.isend(message, dest=0, tag=0)
  await req.wait(); //                                         req.wait()
} else {
  // Rank 0 will receive each message and print them
  for (let sender = 1; sender < nRanks; sender++) {
    const req = comm.irecv(sender, 0); //                      req = comm.irecv(source=sender, tag=0)
    const message = await req.wait(); //                       message = req.wait()
    console.log(message);
  }
}
