// The lesson's gather example: every rank's message goes to rank 0, which gets them as a list in
// rank order (the other ranks get undefined; mpi4py gives them None).
//   npx tsmpirun -np 4 node dist/examples/lesson/gather.js
import { init } from 'tsmpi';

const comm = await init();
const rank = comm.Get_rank();
const nRanks = comm.Get_size();

// Use gather to send all messages to rank 0
const sendMessage = `Hello World, I'm rank ${rank}`;
const receiveMessage = await comm.gather(sendMessage, 0); //          receive_message = comm.gather(send_message, root=0)

if (rank === 0 && receiveMessage !== undefined) {
  for (let i = 0; i < nRanks; i++) {
    console.log(receiveMessage[i]);
  }
}
