// ring: a token travels once around all ranks, each adding its rank to it.
//   npx tsmpirun -np 4 node dist/examples/ring.js
import { init } from 'tsmpi';

const comm = await init();
const next = (comm.rank + 1) % comm.size;
const previous = (comm.rank - 1 + comm.size) % comm.size;

if (comm.rank === 0) {
  // Rank 0 starts the token and receives it back when it has been everywhere.
  await comm.send({ visited: [0], sum: 0 }, next);
  const token = (await comm.recv(previous)) as { visited: number[]; sum: number };
  console.log(`token came back to rank 0 after visiting ${token.visited.join(' -> ')}; sum of ranks = ${token.sum}`);
} else {
  const token = (await comm.recv(previous)) as { visited: number[]; sum: number };
  token.visited.push(comm.rank);
  token.sum += comm.rank;
  await comm.send(token, next);
}
