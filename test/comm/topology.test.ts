// The mpi4py calls a halo exchange needs, on many ranks in one process (loopback).
// The bodies (test/helpers/topology-bodies.ts) also run through tsmpirun (integration/topology).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IN_PLACE, PROC_NULL as PROC_NULL, SUM } from '../../src/index.js';
import { spmd } from '../helpers/spmd.js';
import { BODIES, rejectsWith } from '../helpers/topology-bodies.js';

describe('mpi4py calls for halo exchanges (in process)', () => {
  for (const [name, body] of BODIES) {
    for (const size of [1, 2, 3, 4, 5, 6, 8]) it(`${name} (np ${size})`, () => spmd(size, body).then(() => undefined));
  }

  it('Split orders ranks by key, and equal keys by their rank in the parent', async () => {
    for (const size of [2, 3, 5, 8]) {
      await spmd(size, async (comm) => {
        const tied = await comm.Split(comm.rank % 2, 0);
        assert.equal(tied?.rank, Math.floor(comm.rank / 2));
        // The group itself, in order: every parent rank of the same parity, ascending.
        const parity = comm.rank % 2;
        assert.deepEqual(
          await tied?.allgather(comm.rank),
          [...Array(size).keys()].filter((rank) => rank % 2 === parity),
        );
        const reversed = await comm.Split(0, -comm.rank);
        assert.equal(reversed?.rank, size - 1 - comm.rank);
        assert.deepEqual(await reversed?.allgather(comm.rank), [...Array(size).keys()].reverse());
      });
    }
  });

  it('Sendrecv: ERR_TRUNCATE for a small buffer (the message is kept), ERR_BUFFER for a non-array', async () => {
    await spmd(2, async (comm) => {
      const other = 1 - comm.rank;
      if (comm.rank === 0) {
        await comm.Sendrecv(Int32Array.of(10, 11), other, 1, new Int32Array(1), PROC_NULL, 0);
      } else {
        await assert.rejects(comm.Sendrecv(Int32Array.of(0), PROC_NULL, 0, new Int32Array(1), other, 1), rejectsWith('ERR_TRUNCATE'));
        const big = new Int32Array(2);
        await comm.Recv(big, other, 1);
        assert.deepEqual([...big], [10, 11]);
      }
      await assert.rejects(comm.Sendrecv([1] as unknown as Int32Array, other, 0, new Int32Array(1), other, 0), rejectsWith('ERR_BUFFER'));
    });
  });

  it('Create_cart: ranks beyond the grid get null; bad shapes are ERR_ARG before anything is sent', async () => {
    await spmd(5, async (comm) => {
      const cart = await comm.Create_cart([2, 2]);
      assert.equal(cart === null, comm.rank === 4);
      if (cart !== null) assert.deepEqual(await cart.allgather(cart.rank), [0, 1, 2, 3]);
      await assert.rejects(comm.Create_cart([3, 2]), rejectsWith('ERR_ARG'));
      await assert.rejects(comm.Create_cart([0]), rejectsWith('ERR_ARG'));
      await assert.rejects(comm.Create_cart([2], [true, false]), rejectsWith('ERR_ARG'));
      assert.equal(await comm.allreduce(1, SUM), 5, 'the failed calls sent nothing: the next collective lines up');
    });
  });

  it('IN_PLACE where MPI forbids it is ERR_BUFFER on every rank (the agreement round carries it)', async () => {
    await spmd(3, async (comm) => {
      const isInPlaceError = (error: unknown) => rejectsWith('ERR_BUFFER')(error) && /IN_PLACE/.test((error as Error).message);
      if (comm.rank === 0) {
        await assert.rejects(comm.Reduce(Float64Array.of(1), new Float64Array(1), SUM, 0), isInPlaceError);
      } else if (comm.rank === 1) {
        await assert.rejects(comm.Reduce(IN_PLACE, new Float64Array(1), SUM, 0), isInPlaceError);
      } else {
        await assert.rejects(comm.Reduce(Float64Array.of(1), null, SUM, 0), isInPlaceError);
      }
      assert.equal(await comm.allreduce(1, SUM), 3, 'the communicator is still usable');
    });
  });

  it('Barrier() holds every rank until the last arrives', async () => {
    const order: string[] = [];
    await spmd(4, async (comm) => {
      if (comm.rank === 3) await new Promise((resolve) => setImmediate(resolve));
      order.push(`in ${comm.rank}`);
      await comm.Barrier();
      order.push(`out ${comm.rank}`);
    });
    assert.deepEqual(order.slice(0, 4).sort(), ['in 0', 'in 1', 'in 2', 'in 3']);
  });
});
