// The README's first program, as the launch case (bench/cases/launch.ts) runs it: with `node`
// alone and under tsmpirun. Its mpi4py twin is bench/mpi4py/hello.py.
import { init } from 'tsmpi';

const comm = await init();
console.log(`Hello from rank ${comm.rank} of ${comm.size}`);
