// The lesson's broadcast example: rank 0's message is copied to every rank.
//   npx tsmpirun -np 4 node dist/examples/lesson/broadcast.js
import { init } from 'tsmpi';

const comm = await init();
const rank = comm.Get_rank();

// Rank 0 will broadcast message to all other ranks
const sendMessage = rank === 0 ? 'Hello World from rank 0' : null; //   send_message = ... if rank == 0 else None

const receiveMessage = await comm.bcast(sendMessage, 0); //            receive_message = comm.bcast(send_message, root=0)

if (rank !== 0) {
  console.log(`rank ${rank} received message: ${receiveMessage}`);
}
