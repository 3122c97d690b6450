// The lesson's mp_starmap.py: x ** 2 for x in 0..19, with a two-argument function and starmap.
//   node dist/examples/lesson/mp-starmap.js
//
// Python: pool.starmap(power_n, [(x, 2) for x in range(20)])
import { availableParallelism } from 'node:os';
import { Pool } from 'tsmpi';

function powerN(x: number, n: number): number {
  return x ** n;
}

const nprocs = availableParallelism();
console.log(`Number of CPU cores: ${nprocs}`);

const pool = await Pool.create({ processes: nprocs });
try {
  const result = await pool.starmap(
    powerN,
    [...Array(20).keys()].map((x) => [x, 2] as [number, number]),
  );
  console.log(JSON.stringify(result));
} finally {
  await pool.close();
}
