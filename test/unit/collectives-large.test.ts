/**
 * The large-message algorithms (ring and Rabenseifner allreduce, scatter-allgather
 * broadcast) over the in-memory network of CollPorts, at every size 1..8 and some larger
 * ones, every root, awkward counts: results, same bits on every rank, message counts, and
 * errors that reach every rank instead of hanging.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allreduce } from '../../src/collectives/allreduce.js';
import { allreduceRabenseifner } from '../../src/collectives/allreduce-rabenseifner.js';
import { allreduceRing } from '../../src/collectives/allreduce-ring.js';
import * as buffers from '../../src/collectives/buffers.js';
import { marker } from '../../src/collectives/marker.js';
import { ALGORITHMS, type Overrides } from '../../src/collectives/select.js';
import { MpiError } from '../../src/errors.js';
import { BAND, MAX, SUM } from '../../src/ops/ops.js';
import { codes, network, values } from '../helpers/coll-network.js';

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 33];
const COUNTS = [0, 1, 5, 64, 1001];

/** Values whose float sum depends on the grouping. */
const awkward = (rank: number, index: number): number => 1 / (rank + 3 + index) + ((rank + index) % 3) * 1e16;
const vector = (rank: number, count: number): Float64Array => Float64Array.from({ length: count }, (_, index) => awkward(rank, index));
const bits = (array: Float64Array): string => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('hex');

test('ring and Rabenseifner: the sum on every rank, identical bits everywhere; Rabenseifner keeps the grouping (and bits) of recursive doubling', async () => {
  for (const size of SIZES) {
    for (const count of COUNTS) {
      const doubling = values((await network(size, (port) => allreduce(port, vector(port.rank, count), SUM))).results) as Float64Array[];
      for (const [name, run] of [
        ['ring', allreduceRing],
        ['rabenseifner', allreduceRabenseifner],
      ] as const) {
        const outs = Array.from({ length: size }, () => new Float64Array(count));
        const { results, ports } = await network(size, (port) => run(port, vector(port.rank, count), SUM, outs[port.rank]!, 'Allreduce'));
        values(results);
        for (const out of outs) assert.equal(bits(out), bits(outs[0]!), `${name} size ${size} count ${count}: ranks differ`);
        for (let index = 0; index < count; index++) {
          let sum = 0;
          for (let rank = 0; rank < size; rank++) sum += awkward(rank, index);
          assert.ok(Math.abs(outs[0]![index]! - sum) <= Math.abs(sum) * 1e-12, `${name} size ${size} count ${count} [${index}]`);
        }
        if (name === 'rabenseifner')
          assert.equal(bits(outs[0]!), bits(doubling[0]!), `size ${size} count ${count}: Rabenseifner regrouped the sum`);
        const pof2 = 2 ** Math.floor(Math.log2(size));
        for (const port of ports) {
          const paired = port.rank < 2 * (size - pof2);
          const folded = paired && port.rank % 2 === 0;
          const expected = name === 'ring' ? 2 * (size - 1) : folded ? 1 : 2 * Math.log2(pof2) + (paired ? 1 : 0);
          assert.equal(port.sent, expected, `${name} size ${size}: rank ${port.rank} sent ${port.sent} messages`);
        }
      }
    }
  }
});

test('ring and Rabenseifner: a bad vector on one rank, an op that fails on one element, or a shorter vector on one rank rejects on every rank', async () => {
  for (const size of SIZES.filter((s) => s > 1)) {
    for (const run of [allreduceRing, allreduceRabenseifner]) {
      const bad = size - 1;
      const local = await network(size, (port) =>
        run(
          port,
          port.rank === bad ? marker(new MpiError('ERR_BUFFER', 'Allreduce: sendbuf must be a typed array')) : vector(port.rank, 100),
          SUM,
          new Float64Array(100),
          'Allreduce',
        ),
      );
      assert.deepEqual(codes(local.results), new Array(size).fill('ERR_BUFFER'));
      // BAND needs integers: one element that is not fails at whichever rank reduces it.
      const fraction = await network(size, (port) => {
        const data = Float64Array.from({ length: 100 }, (_, index) => (index === 57 && port.rank === bad ? 0.5 : index));
        return run(port, data, BAND, new Float64Array(100), 'Allreduce');
      });
      assert.deepEqual(codes(fraction.results), new Array(size).fill('ERR_OP'));
      const shorter = await network(size, (port) =>
        run(port, vector(port.rank, port.rank === bad ? 99 : 100), MAX, new Float64Array(port.rank === bad ? 99 : 100), 'Allreduce'),
      );
      assert.ok(
        codes(shorter.results).every((code) => code === 'ERR_OP' || code === 'ERR_COUNT'),
        `size ${size}: ${codes(shorter.results).join(' ')}`,
      );
    }
  }
});

test('buffers.Allreduce with each algorithm forced: the same result as recursive doubling on every rank; bad buffers reject everywhere', async () => {
  for (const size of SIZES) {
    for (const algorithm of ALGORITHMS.allreduce) {
      const overrides: Overrides = { allreduce: algorithm };
      const outs = Array.from({ length: size }, () => new Float64Array(333));
      values(
        (
          await network(size, (port) =>
            buffers.Allreduce(
              port,
              Float64Array.from({ length: 333 }, (_, i) => port.rank * 1000 + i),
              outs[port.rank],
              SUM,
              overrides,
            ),
          )
        ).results,
      );
      for (const out of outs)
        assert.deepEqual(
          Array.from(out.subarray(0, 3)),
          [0, 1, 2].map((i) => (1000 * size * (size - 1)) / 2 + size * i),
        );
      if (size === 1) continue;
      const mismatched = await network(size, (port) =>
        buffers.Allreduce(port, new Float64Array(333), new Float64Array(port.rank === 1 ? 332 : 333), SUM, overrides),
      );
      assert.deepEqual(codes(mismatched.results), new Array(size).fill('ERR_BUFFER'));
      const notTyped = await network(size, (port) =>
        buffers.Allreduce(port, port.rank === 0 ? null : new Float64Array(333), new Float64Array(333), SUM, overrides),
      );
      assert.deepEqual(codes(notTyped.results), new Array(size).fill('ERR_BUFFER'));
    }
  }
});

test('Bcast scatter-allgather: every root and size, odd byte lengths; the root sends about the buffer once; a rank with a wrong buffer rejects alone', async () => {
  const overrides: Overrides = { bcast: 'scatter-allgather' };
  for (const size of SIZES) {
    for (const byteLength of [0, 1, 7, 4099]) {
      for (let root = 0; root < size; root++) {
        const data = Uint8Array.from({ length: byteLength }, (_, i) => (i * 31 + root) & 255);
        const bufs = Array.from({ length: size }, (_, rank) => (rank === root ? data.slice() : new Uint8Array(byteLength)));
        const { results, ports } = await network(size, (port) => buffers.Bcast(port, bufs[port.rank], root, overrides));
        values(results);
        for (const buf of bufs) assert.deepEqual(buf, data);
        // Scatter: one message per binomial child; ring: size - 1 more.
        if (size > 1) assert.equal(ports[root]!.sent, Math.ceil(Math.log2(size)) + size - 1);
        for (const port of ports)
          if (port.rank !== root) assert.ok(port.received <= size, `size ${size}: rank ${port.rank} received ${port.received}`);
      }
    }
    if (size === 1) continue;
    for (const root of [0, size - 1]) {
      const wrong = (root + 1) % size;
      const bufs = Array.from({ length: size }, (_, rank) => new Float64Array(rank === wrong ? 100 : 101).fill(rank === root ? 2.5 : 0));
      const { results } = await network(size, (port) => buffers.Bcast(port, bufs[port.rank], root, overrides));
      assert.deepEqual(
        codes(results),
        Array.from({ length: size }, (_, rank) => (rank === wrong ? 'ERR_BUFFER' : 'ok')),
      );
      bufs.forEach((buf, rank) => rank !== wrong && assert.ok(buf.every((v) => v === 2.5)));
      const notTyped = await network(size, (port) =>
        buffers.Bcast(port, port.rank === wrong ? 'nope' : new Float64Array(101), root, overrides),
      );
      assert.deepEqual(
        codes(notTyped.results),
        Array.from({ length: size }, (_, rank) => (rank === wrong ? 'ERR_BUFFER' : 'ok')),
      );
      const badRoot = await network(size, (port) =>
        buffers.Bcast(port, port.rank === root ? null : new Float64Array(101), root, overrides),
      );
      assert.deepEqual(codes(badRoot.results), new Array(size).fill('ERR_BUFFER'));
    }
  }
});

test('Bcast: non-roots follow the root’s choice, whatever their own override says', async () => {
  for (const size of [2, 3, 5, 8]) {
    const data = Float64Array.from({ length: 1000 }, (_, i) => i / 3);
    const bufs = Array.from({ length: size }, (_, rank) => (rank === 0 ? data.slice() : new Float64Array(1000)));
    const { results } = await network(size, (port) =>
      buffers.Bcast(port, bufs[port.rank], 0, { bcast: port.rank === 0 ? 'scatter-allgather' : 'binomial' }),
    );
    values(results);
    for (const buf of bufs) assert.deepEqual(buf, data);
  }
});

test('buffers.Allreduce received into recvbuf (the engine honouring `into`): the same bits as without, on every rank; a sendbuf that is the recvbuf; a shorter vector still rejects everywhere', async () => {
  for (const size of [2, 3, 4, 5, 8]) {
    for (const algorithm of ['recursive-doubling', 'rabenseifner'] as const) {
      const overrides: Overrides = { allreduce: algorithm };
      for (const count of [5, 1001]) {
        const run = async (landing: boolean): Promise<{ outs: Float64Array[]; landed: number }> => {
          const outs = Array.from({ length: size }, () => new Float64Array(count));
          let landed = 0;
          values(
            (
              await network(
                size,
                (port) => buffers.Allreduce(port, vector(port.rank, count), outs[port.rank], SUM, overrides),
                landing
                  ? (_value, into) => {
                      assert.ok(
                        outs.some((out) => out.buffer === into.buffer),
                        'received into something else than a recvbuf',
                      );
                      landed++;
                    }
                  : null,
              )
            ).results,
          );
          return { outs, landed };
        };
        const fresh = await run(false);
        const placed = await run(true);
        assert.ok(placed.landed > 0, `${algorithm} size ${size}: nothing was received into recvbuf`);
        for (const out of [...fresh.outs, ...placed.outs]) {
          assert.equal(bits(out), bits(fresh.outs[0]!), `${algorithm} size ${size} count ${count}: the bits differ`);
        }
        // The input is the output too (which MPI forbids and tsmpi tolerates): the same sum.
        const shared = Array.from({ length: size }, (_, rank) => vector(rank, count));
        values(
          (
            await network(
              size,
              (port) => buffers.Allreduce(port, shared[port.rank], shared[port.rank], SUM, overrides),
              () => {},
            )
          ).results,
        );
        for (const out of shared) assert.equal(bits(out), bits(fresh.outs[0]!), `${algorithm} size ${size}: sendbuf = recvbuf`);
      }
      const bad = size - 1;
      const shorter = await network(
        size,
        (port) => {
          const count = port.rank === bad ? 99 : 100;
          return buffers.Allreduce(port, vector(port.rank, count), new Float64Array(count), MAX, overrides);
        },
        () => {},
      );
      assert.ok(
        codes(shorter.results).every((code) => code === 'ERR_OP' || code === 'ERR_COUNT'),
        `${algorithm} size ${size}: ${codes(shorter.results).join(' ')}`,
      );
    }
  }
});

type BcastPort = Parameters<typeof buffers.Bcast>[0];

test('Bcast received into each non-root’s buf (the engine honouring `into`), binomial, fused and scatter-allgather: the root’s bytes everywhere, nothing landed on the root; a longer buf rejects alone and the others still get the value', async () => {
  for (const size of [2, 3, 4, 5, 8]) {
    for (const [name, run] of [
      ['binomial', (port: BcastPort, buf: unknown, root: number) => buffers.Bcast(port, buf, root, { bcast: 'binomial' })],
      ['fused', (port: BcastPort, buf: unknown, root: number) => buffers.BcastFused(port, buf, root)],
      [
        'scatter-allgather',
        (port: BcastPort, buf: unknown, root: number) => buffers.Bcast(port, buf, root, { bcast: 'scatter-allgather' }),
      ],
    ] as const) {
      for (let root = 0; root < size; root++) {
        const data = Float64Array.from({ length: 1001 }, (_, i) => i / 7 + root);
        const bufs = Array.from({ length: size }, (_, rank) => (rank === root ? data.slice() : new Float64Array(1001)));
        const landedOn = new Set<number>();
        values(
          (
            await network(
              size,
              (port) => run(port, bufs[port.rank], root),
              (_value, into) => {
                const rank = bufs.findIndex((buf) => buf.buffer === into.buffer);
                assert.ok(rank >= 0, `${name}: received into something else than a buf`);
                landedOn.add(rank);
              },
            )
          ).results,
        );
        for (const buf of bufs) assert.deepEqual(buf, data, `${name} size ${size} root ${root}`);
        assert.deepEqual(
          [...landedOn].sort((a, b) => a - b),
          [...Array(size).keys()].filter((rank) => rank !== root),
          `${name} size ${size} root ${root}: every non-root, and only they, received into their buf`,
        );
      }
      const root = 0;
      const longer = size - 1;
      const data = Float64Array.from({ length: 64 }, (_, i) => i + 0.5);
      const bufs = Array.from({ length: size }, (_, rank) => (rank === root ? data.slice() : new Float64Array(rank === longer ? 65 : 64)));
      const { results } = await network(
        size,
        (port) => run(port, bufs[port.rank], root),
        () => {},
      );
      assert.deepEqual(
        codes(results),
        Array.from({ length: size }, (_, rank) => (rank === longer ? 'ERR_BUFFER' : 'ok')),
        `${name} size ${size}`,
      );
      bufs.forEach((buf, rank) => rank !== longer && assert.deepEqual(buf, data, `${name} size ${size}: rank ${rank}`));
    }
  }
});
