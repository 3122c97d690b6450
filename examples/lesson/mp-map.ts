// The lesson's mp_map.py: square 0..19 on a pool of processes, one per core.
//   node dist/examples/lesson/mp-map.js
//
// Python:                                                   tsmpi:
//   nprocs = mp.cpu_count()                                   availableParallelism()
//   with mp.Pool(processes=nprocs) as pool:                   await Pool.create({ processes: nprocs })
//       result = pool.map(square, range(20))                  await pool.map(square, [...Array(20).keys()])
import { availableParallelism } from 'node:os';
import { Pool } from 'tsmpi';

// The function travels to the worker processes as source text: it may use its arguments and
// globals, not variables of this module.
function square(x: number): number {
  return x * x;
}

const nprocs = availableParallelism();
console.log(`Number of CPU cores: ${nprocs}`);

const pool = await Pool.create({ processes: nprocs });
try {
  const result = await pool.map(square, [...Array(20).keys()]);
  console.log(JSON.stringify(result));
} finally {
  await pool.close();
}
