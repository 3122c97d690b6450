// The lesson's send/recv example: every rank but 0 sends a greeting to rank 0, which receives them
// from rank 1, 2, ... in that order and prints them.
//   npx tsmpirun -np 4 node dist/examples/lesson/send-recv.js
import { init } from 'tsmpi';

const comm = await init(); //                                  comm = MPI.COMM_WORLD
const rank = comm.Get_rank(); //                               rank = comm.Get_rank()
const nRanks = comm.Get_size(); //                             n_ranks = comm.Get_size()

if (rank !== 0) {
  // All ranks other than 0 should send a message
  const message = `Hello World, I'm rank ${rank}`; //         message = "Hello World, I'm rank {:d}".format(rank)
  await comm.send(message, 0, 0); //                           comm.send(message, dest=0, tag=0)
} else {
  // Rank 0 will receive each message and print them
  for (let sender = 1; sender < nRanks; sender++) {
    const message = await comm.recv(sender, 0); //            message = comm.recv(source=sender, tag=0)
    console.log(message);
  }
}
