// Pool (multiprocessing.Pool) through real worker processes (a Cluster's engines).
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Pool } from '../../src/index.js';
import { rejectsWith } from '../helpers/rejects.js';

describe('Pool', () => {
  let pool: Pool;
  before(async () => {
    pool = await Pool.create({ processes: 3, output: () => {} });
  });
  after(async () => {
    await pool.close();
  });

  it('has the processes asked for', () => {
    assert.equal(pool.processes, 3);
  });

  it('map returns results in input order', async () => {
    assert.deepEqual(
      await pool.map((x: number) => x * x, [...Array(20).keys()]),
      [...Array(20).keys()].map((x) => x * x),
    );
    assert.deepEqual(await pool.map((x: number) => x, []), []);
  });

  it('starmap spreads each array of arguments', async () => {
    assert.deepEqual(
      await pool.starmap(
        (a: number, b: number) => a ** b,
        [
          [2, 3],
          [3, 2],
          [10, 0],
        ],
      ),
      [8, 9, 1],
    );
    await rejectsWith(
      pool.starmap((a: number) => a, [1 as unknown as [number]]),
      'ERR_ARG',
    );
  });

  it('apply runs once, in one process', async () => {
    assert.equal(await pool.apply((a: string, b: string) => a + b, 'ab', 'cd'), 'abcd');
  });

  it('chunksize hands consecutive items to one process at a time, as in Python', async () => {
    const tagged = await pool.map(
      async (x: number) => {
        // Yield between items so that the other processes get to take chunks too.
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { x, pid: process.pid };
      },
      [...Array(20).keys()],
      { chunksize: 5 },
    );
    assert.deepEqual(
      tagged.map(({ x }) => x),
      [...Array(20).keys()],
    );
    for (let start = 0; start < 20; start += 5) {
      const pids = new Set(tagged.slice(start, start + 5).map(({ pid }) => pid));
      assert.equal(pids.size, 1, `items ${start}..${start + 4} ran in one process`);
    }
    await rejectsWith(
      pool.map((x: number) => x, [1], { chunksize: 0 }),
      'ERR_ARG',
    );
  });

  it('imap yields in input order; imapUnordered yields every result as it is done', async () => {
    const ordered: number[] = [];
    for await (const value of pool.imap((x: number) => x + 100, [...Array(10).keys()])) ordered.push(value);
    assert.deepEqual(
      ordered,
      [...Array(10).keys()].map((x) => x + 100),
    );
    // Item 0 finishes only once this loop has received every other result: imapUnordered
    // must hand results over as they are done (not in order, not all at the end).
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-imap-'));
    try {
      const items = [...Array(8).keys()].map((index) => ({ index, release: join(dir, 'release') }));
      const seen: number[] = [];
      for await (const index of pool.imapUnordered(async ({ index, release }: { index: number; release: string }) => {
        const { existsSync } = await import('node:fs');
        if (index > 0) return index;
        while (!existsSync(release)) await new Promise((resolve) => setTimeout(resolve, 20));
        return index;
      }, items)) {
        seen.push(index);
        if (seen.length === 7) writeFileSync(join(dir, 'release'), '');
      }
      assert.deepEqual(
        seen.slice(0, 7).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.equal(seen[7], 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing item rejects map with its index and the process’s stack; closures are refused', async () => {
    const error = await rejectsWith(
      pool.map(
        (x: number) => {
          if (x === 7) throw new Error('seven is bad');
          return x;
        },
        [...Array(10).keys()],
      ),
      'ERR_ENGINE',
    );
    assert.match(error.message, /\(item 7\) Error: seven is bad/);
    const offset = 3;
    const closure = await rejectsWith(
      pool.map((x: number) => x + offset, [1, 2]),
      'ERR_CLOSURE',
    );
    assert.match(closure.message, /'offset'/);
  });
});

describe('Pool.create', () => {
  it('defaults to one process per core and rejects a bad count', async () => {
    await rejectsWith(Pool.create({ processes: 0 }), 'ERR_ARG');
    const pool = await Pool.create({ output: () => {} });
    try {
      assert.equal(pool.processes, availableParallelism());
    } finally {
      await pool.close();
    }
  });
});
