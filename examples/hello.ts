// hello: every rank says who and where it is.
//   npx tsmpirun -np 4 node dist/examples/hello.js
import { hostname } from 'node:os';
import { init } from 'tsmpi';

const comm = await init();
console.log(`Hello from rank ${comm.rank} of ${comm.size} on ${hostname()}`);
