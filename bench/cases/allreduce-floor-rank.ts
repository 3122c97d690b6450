// One process of the Allreduce floor (bench/cases/collectives.ts), started np times at once by
// that case, without tsmpi or any message: the data work of a recursive-doubling `Allreduce`
// (SUM, float64) of BENCH_FLOOR_BYTES between ranks on one host, as tsmpi does it, and nothing
// else. In each of the log2(np) steps this process writes its vector into its own file in RAM
// (`pwrite`), reads the file of its step's partner into a scratch vector (`pread`) and adds
// it to its own with tsmpi's reduction kernel. The files exist before the processes start;
// nothing waits for a partner, so this is less than any real exchange can take.
// Usage: node allreduce-floor-rank.js <dir> <rank> <np>; prints one JSON line
// {"seconds": median over BENCH_ROUNDS rounds of seconds per operation}.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { kernelFor, SUM } from '../../src/ops/ops.js';
import { median } from '../util.js';

const [dir, rankText, npText] = process.argv.slice(2);
const rank = Number(rankText);
const np = Number(npText);
const bytes = Number(process.env.BENCH_FLOOR_BYTES ?? 1024 * 1024);
const reps = Number(process.env.BENCH_FLOOR_REPS ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
if (dir === undefined || !Number.isInteger(rank) || !Number.isInteger(np) || np < 2 || (np & (np - 1)) !== 0 || rank >= np)
  throw new Error('usage: allreduce-floor-rank.js <dir> <rank> <np a power of two>');

const found = kernelFor(Float64Array, SUM);
if (found === null) throw new Error('no SUM kernel for Float64Array');
const kernel = found;
const acc = new Float64Array(bytes / 8).fill(rank + 0.5);
const scratch = new Float64Array(bytes / 8);
const accBytes = new Uint8Array(acc.buffer);
const scratchBytes = new Uint8Array(scratch.buffer);
const file = (of: number): string => join(dir, `${of}.vec`);
const mine = openSync(file(rank), 'r+');
const partners: number[] = [];
for (let mask = 1; mask < np; mask <<= 1) partners.push(openSync(file(rank ^ mask), 'r'));

function operation(): void {
  for (const partner of partners) {
    for (let done = 0; done < bytes;) done += writeSync(mine, accBytes, done, bytes - done, done);
    for (let done = 0; done < bytes;) {
      const got = readSync(partner, scratchBytes, done, bytes - done, done);
      if (got === 0) throw new Error(`the partner's file is shorter than ${bytes} bytes`);
      done += got;
    }
    kernel(acc, scratch, acc);
  }
}

// Warm-up, untimed, as the collectives job does (twice the repetitions).
for (let i = 0; i < 2 * reps; i++) operation();
const samples: number[] = [];
for (let round = 0; round < rounds; round++) {
  const start = performance.now();
  for (let i = 0; i < reps; i++) operation();
  samples.push((performance.now() - start) / 1000 / reps);
}
closeSync(mine);
for (const fd of partners) closeSync(fd);
console.log(JSON.stringify({ seconds: median(samples) }));
