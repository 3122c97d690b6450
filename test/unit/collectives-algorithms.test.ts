/**
 * Every collective algorithm run SPMD-style over an in-memory network of CollPorts
 * (per-(source, dest) FIFO queues, values cloned like a real transport), for p = 1..8,
 * 16, 33, 64 and every root, counting messages to check the ⌈log2 p⌉ root cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allgather } from '../../src/collectives/allgather.js';
import { allreduce } from '../../src/collectives/allreduce.js';
import { alltoall } from '../../src/collectives/alltoall.js';
import { bcast } from '../../src/collectives/bcast.js';
import * as buffers from '../../src/collectives/buffers.js';
import { checkPerRank } from '../../src/collectives/check.js';
import { gather } from '../../src/collectives/gather.js';
import { capture } from '../../src/collectives/marker.js';
import { reduce } from '../../src/collectives/reduce.js';
import { scan } from '../../src/collectives/scan.js';
import { scatter } from '../../src/collectives/scatter.js';
import { ceilLog2 } from '../../src/collectives/tree.js';
import { MAX, SUM, type Op } from '../../src/ops/ops.js';
import { codes, network, values } from '../helpers/coll-network.js';

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 16, 33, 64];

const roots = (size: number): number[] => Array.from({ length: size }, (_, rank) => rank);
const concat: Op = (a: string, b: string) => a + b;
/** Values whose float sum depends on the grouping. */
const awkward = (rank: number): number => 1 / (rank + 3) + (rank % 3) * 1e16;

test('bcast: every root, every size; the root sends ⌈log2 p⌉ messages, others receive one', async () => {
  for (const size of SIZES) {
    for (const root of roots(size)) {
      const { results, ports } = await network(size, (port) => bcast(port, port.rank === root ? { root, data: [1, 'x'] } : null, root));
      for (const value of values(results)) assert.deepEqual(value, { root, data: [1, 'x'] });
      assert.equal(ports[root]!.sent, ceilLog2(size));
      for (const port of ports) assert.equal(port.received, port.rank === root ? 0 : 1);
    }
  }
});

test('scatter and gather: every root and size; ⌈log2 p⌉ messages at the root', async () => {
  for (const size of SIZES) {
    for (const root of roots(size)) {
      const data = Array.from({ length: size }, (_, rank) => `v${rank}`);
      const scattered = await network(size, (port) => scatter(port, port.rank === root ? data : null, root));
      assert.deepEqual(values(scattered.results), data);
      assert.equal(scattered.ports[root]!.sent, ceilLog2(size));
      const gathered = await network(size, (port) => gather(port, `g${port.rank}`, root));
      values(gathered.results).forEach((value, rank) =>
        assert.deepEqual(value, rank === root ? Array.from({ length: size }, (_, r) => `g${r}`) : undefined),
      );
      assert.equal(gathered.ports[root]!.received, ceilLog2(size));
    }
  }
});

test('reduce: predefined op at every root in ⌈log2 p⌉ receives; a user op in rank order', async () => {
  for (const size of SIZES) {
    for (const root of roots(size)) {
      const summed = await network(size, (port) => reduce(port, port.rank + 1, SUM, root));
      values(summed.results).forEach((value, rank) => assert.equal(value, rank === root ? (size * (size + 1)) / 2 : undefined));
      assert.equal(summed.ports[root]!.received, ceilLog2(size));
      const joined = await network(size, (port) => reduce(port, `${port.rank},`, concat, root));
      const expected = Array.from({ length: size }, (_, rank) => `${rank},`).join('');
      values(joined.results).forEach((value, rank) => assert.equal(value, rank === root ? expected : undefined));
      assert.ok(joined.ports[root]!.received <= ceilLog2(size) + 1);
    }
  }
});

test('allreduce: same bits on every rank, rank order for a user op, ⌈log2 p⌉ + 2 messages at most', async () => {
  for (const size of SIZES) {
    const sums = await network(size, (port) => allreduce(port, new Float64Array([awkward(port.rank), -awkward(port.rank) / 7]), SUM));
    const bits = values(sums.results).map((value) => Buffer.from((value as Float64Array).buffer).toString('hex'));
    assert.equal(new Set(bits).size, 1, `size ${size}`);
    for (const port of sums.ports) assert.ok(port.sent <= ceilLog2(size) + 2);
    const again = await network(size, (port) => allreduce(port, new Float64Array([awkward(port.rank), -awkward(port.rank) / 7]), SUM));
    assert.equal(Buffer.from((values(again.results)[0] as Float64Array).buffer).toString('hex'), bits[0]);
    const joined = await network(size, (port): Promise<unknown> => allreduce(port, `${port.rank},`, concat));
    const expected = Array.from({ length: size }, (_, rank) => `${rank},`).join('');
    for (const value of values(joined.results)) assert.equal(value, expected);
    const max = await network(size, (port) => allreduce(port, [port.rank, 100 - port.rank], MAX));
    for (const value of values(max.results)) assert.deepEqual(value, [size - 1, 100]);
  }
});

test('allgather, alltoall, scan and exscan at every size', async () => {
  for (const size of SIZES) {
    const all = Array.from({ length: size }, (_, rank) => rank * 2);
    const gathered = await network(size, (port) => allgather(port, port.rank * 2));
    for (const value of values(gathered.results)) assert.deepEqual(value, all);
    for (const port of gathered.ports) assert.ok(port.sent <= ceilLog2(size) + 2);
    const swapped = await network(size, (port) =>
      alltoall(
        port,
        Array.from({ length: size }, (_, dest) => `${port.rank}>${dest}`),
      ),
    );
    values(swapped.results).forEach((value, rank) =>
      assert.deepEqual(
        value,
        Array.from({ length: size }, (_, source) => `${source}>${rank}`),
      ),
    );
    const inclusive = await network(size, (port) => scan(port, `${port.rank},`, concat, false));
    values(inclusive.results).forEach((value, rank) => assert.equal(value, Array.from({ length: rank + 1 }, (_, r) => `${r},`).join('')));
    const exclusive = await network(size, (port) => scan(port, port.rank + 1, SUM, true));
    values(exclusive.results).forEach((value, rank) => assert.equal(value, rank === 0 ? undefined : (rank * (rank + 1)) / 2));
    for (const port of exclusive.ports) assert.ok(port.sent <= ceilLog2(size));
  }
});

test('errors reach every rank that would wait: scatter count, op mismatch, unencodable value', async () => {
  for (const size of [2, 3, 5, 8, 16]) {
    for (const root of [0, 1, size - 1]) {
      const bad = await network(size, (port) =>
        scatter(port, port.rank === root ? capture(() => checkPerRank('scatter', [1], port.size)) : null, root),
      );
      assert.deepEqual(codes(bad.results), new Array(size).fill('ERR_COUNT'));
      const unencodable = await network(size, (port) => bcast(port, port.rank === root ? () => 1 : null, root));
      assert.deepEqual(codes(unencodable.results), new Array(size).fill('ERR_CODEC'));
      const unsendable = await network(size, (port) => gather(port, port.rank === size - 1 ? () => 1 : 1, root));
      assert.deepEqual(
        codes(unsendable.results),
        Array.from({ length: size }, (_, rank) => (root !== size - 1 && (rank === root || rank === size - 1) ? 'ERR_CODEC' : 'ok')),
      );
      const userReduced = await network(size, (port) => reduce(port, port.rank === size - 1 ? Symbol('x') : 1, (a: unknown) => a, root));
      assert.equal(codes(userReduced.results)[root], 'ERR_CODEC');
      const reduced = await network(size, (port) => reduce(port, port.rank === size - 1 ? [1, 2] : [1], SUM, root));
      assert.equal(codes(reduced.results)[root], 'ERR_OP');
    }
    const mixed = await network(size, (port) => allreduce(port, port.rank === 1 ? 'x' : 1, SUM));
    assert.deepEqual(codes(mixed.results), new Array(size).fill('ERR_OP'));
    const unequal = await network(size, (port) =>
      alltoall(
        port,
        capture(() => checkPerRank('alltoall', port.rank === 0 ? [] : new Array(size).fill(0), size)),
      ),
    );
    assert.deepEqual(codes(unequal.results), new Array(size).fill('ERR_COUNT'));
    const notAnOp = await network(size, (port) => allreduce(port, 1, (port.rank === 1 ? 'SUM' : SUM) as Op));
    assert.deepEqual(codes(notAnOp.results), new Array(size).fill('ERR_OP'));
    const reduceNotAnOp = await network(size, (port) => reduce(port, 1, (port.rank === size - 1 ? null : SUM) as Op, 0));
    assert.equal(codes(reduceNotAnOp.results)[0], 'ERR_OP');
    const scanned = await network(size, (port) => scan(port, port.rank === 0 ? 'x' : 1, SUM, false));
    assert.deepEqual(codes(scanned.results), ['ok', ...new Array(size - 1).fill('ERR_OP')]);
  }
});

test('buffer forms fill the caller’s arrays at every size and root', async () => {
  for (const size of [1, 2, 3, 4, 5, 7, 8, 16]) {
    for (const root of roots(size)) {
      const { results } = await network(size, async (port) => {
        const { rank } = port;
        const b = new Float64Array(3);
        if (rank === root) b.set([1.5, 2.5, root]);
        await buffers.Bcast(port, b, root);
        assert.deepEqual([...b], [1.5, 2.5, root]);

        const s = new Int32Array(2);
        await buffers.Scatter(port, rank === root ? Int32Array.from({ length: 2 * size }, (_, i) => i) : null, s, root);
        assert.deepEqual([...s], [2 * rank, 2 * rank + 1]);

        const g = new Int32Array(2 * size);
        await buffers.Gather(port, Int32Array.of(rank, 100 - rank), rank === root ? g : null, root);
        if (rank === root) assert.deepEqual([...g], Array.from({ length: size }, (_, r) => [r, 100 - r]).flat());

        const ag = new Float32Array(size);
        await buffers.Allgather(port, Float32Array.of(rank), ag);
        assert.deepEqual(
          [...ag],
          Array.from({ length: size }, (_, r) => r),
        );

        const a2a = new Int32Array(size);
        await buffers.Alltoall(
          port,
          Int32Array.from({ length: size }, (_, dest) => 100 * rank + dest),
          a2a,
        );
        assert.deepEqual(
          [...a2a],
          Array.from({ length: size }, (_, source) => 100 * source + rank),
        );

        const r = new Float64Array(2);
        await buffers.Reduce(port, Float64Array.of(rank, 1), rank === root ? r : null, SUM, root);
        if (rank === root) assert.deepEqual([...r], [(size * (size - 1)) / 2, size]);

        const ar = new Int32Array(1);
        await buffers.Allreduce(port, Int32Array.of(rank), ar, MAX);
        assert.equal(ar[0], size - 1);

        // Rank i gets i + 1 elements.
        const counts = Array.from({ length: size }, (_, i) => i + 1);
        const total = counts.reduce((a, b) => a + b, 0);
        const sv = new Float64Array(rank + 1);
        await buffers.Scatterv(port, rank === root ? [Float64Array.from({ length: total }, (_, i) => i), counts] : null, sv, root);
        const first = (rank * (rank + 1)) / 2;
        assert.deepEqual(
          [...sv],
          Array.from({ length: rank + 1 }, (_, i) => first + i),
        );

        const gv = new Float64Array(total);
        await buffers.Gatherv(port, sv, rank === root ? [gv, counts] : null, root);
        if (rank === root)
          assert.deepEqual(
            [...gv],
            Array.from({ length: total }, (_, i) => i),
          );

        const agv = new Float64Array(total);
        await buffers.Allgatherv(port, sv, [agv, counts]);
        assert.deepEqual(
          [...agv],
          Array.from({ length: total }, (_, i) => i),
        );
        return true;
      });
      values(results);
    }
  }
});

test('buffer size mismatches reject instead of hanging', async () => {
  for (const size of [2, 3, 4, 8]) {
    for (const root of [0, size - 1]) {
      const scattered = await network(size, (port) =>
        buffers.Scatter(port, port.rank === root ? new Float64Array(size + 1) : null, new Float64Array(1), root),
      );
      assert.deepEqual(codes(scattered.results), new Array(size).fill('ERR_BUFFER'));
      const bcasted = await network(size, (port) => buffers.Bcast(port, new Float64Array(port.rank === 1 ? 3 : 2), root));
      assert.deepEqual(
        codes(bcasted.results),
        Array.from({ length: size }, (_, rank) => ((rank === 1) !== (root === 1) ? 'ERR_BUFFER' : 'ok')),
      );
      const reduced = await network(size, (port) =>
        buffers.Reduce(port, new Float64Array(port.rank === 1 ? 3 : 2), new Float64Array(2), SUM, root),
      );
      assert.equal(codes(reduced.results)[root], 'ERR_OP');
      const v = await network(size, (port) =>
        buffers.Scatterv(port, port.rank === root ? [new Float64Array(size), [1]] : null, new Float64Array(1), root),
      );
      assert.deepEqual(codes(v.results), new Array(size).fill('ERR_COUNT'));
    }
    // Not a typed array on one rank: that rank still passes on what the others need.
    const notTyped = (rank: number, bad: number): unknown => (rank === bad ? null : new Float64Array(2));
    const bcastBad = await network(size, (port) => buffers.Bcast(port, notTyped(port.rank, 1), 0));
    assert.deepEqual(
      codes(bcastBad.results),
      Array.from({ length: size }, (_, rank) => (rank === 1 ? 'ERR_BUFFER' : 'ok')),
    );
    const gatherBad = await network(size, (port) => buffers.Gather(port, notTyped(port.rank, size - 1), new Float64Array(2 * size), 0));
    assert.deepEqual(
      codes(gatherBad.results),
      Array.from({ length: size }, (_, rank) => (rank === 0 || rank === size - 1 ? 'ERR_BUFFER' : 'ok')),
    );
    const reduceBad = await network(size, (port) => buffers.Reduce(port, notTyped(port.rank, 1), new Float64Array(2), SUM, 0));
    assert.equal(codes(reduceBad.results)[0], 'ERR_BUFFER');
    const allreduceBad = await network(size, (port) => buffers.Allreduce(port, new Float64Array(2), notTyped(port.rank, size - 1), SUM));
    assert.deepEqual(codes(allreduceBad.results), new Array(size).fill('ERR_BUFFER'));
    const allgatherBad = await network(size, (port) => buffers.Allgather(port, notTyped(port.rank, 0), new Float64Array(2 * size)));
    assert.deepEqual(codes(allgatherBad.results), new Array(size).fill('ERR_BUFFER'));
    const alltoallBad = await network(size, (port) => buffers.Alltoall(port, new Float64Array(size), notTyped(port.rank, 1)));
    assert.deepEqual(codes(alltoallBad.results), new Array(size).fill('ERR_BUFFER'));
    const scatterBad = await network(size, (port) => buffers.Scatter(port, port.rank === 0 ? 'nope' : null, new Float64Array(1), 0));
    assert.deepEqual(codes(scatterBad.results), new Array(size).fill('ERR_BUFFER'));
    const allreduced = await network(size, (port) =>
      buffers.Allreduce(port, new Float64Array(2), new Float64Array(port.rank === 0 ? 1 : 2), SUM),
    );
    assert.deepEqual(codes(allreduced.results), new Array(size).fill('ERR_BUFFER'));
    const gathered = await network(size, (port) =>
      buffers.Allgather(port, new Float64Array(port.rank === 0 ? 2 : 1), new Float64Array(size)),
    );
    assert.deepEqual(codes(gathered.results), new Array(size).fill('ERR_BUFFER'));
  }
});
