// The mpi4py calls a halo exchange needs, on many ranks in one process (loopback):
// PROC_NULL, Sendrecv, Create_cart/Shift, IN_PLACE, Barrier, typed receives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANY_TAG, Cartcomm, IN_PLACE, MAX, MpiError, PROC_NULL, Request, Status, SUM, type Comm } from '../../src/index.js';
import { spmd } from '../helpers/spmd.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof MpiError && error.code === code;
const SIZES = [1, 2, 3, 4, 5, 8];

async function cartOf(comm: Comm, dims: number[], periods?: boolean[]): Promise<Cartcomm> {
  const cart = await comm.Create_cart(dims, periods);
  assert.ok(cart instanceof Cartcomm, `rank ${comm.rank} is on the grid`);
  return cart;
}

describe('PROC_NULL', () => {
  it('sends complete at once; receives complete at once with nothing, source PROC_NULL, tag ANY_TAG, count 0', async () => {
    await spmd(2, async (comm) => {
      await comm.send('lost', PROC_NULL, 3);
      await comm.ssend('lost', PROC_NULL);
      await comm.isend('lost', PROC_NULL).wait();
      await comm.Send(new Float64Array(4), PROC_NULL);
      const status = new Status();
      assert.equal(await comm.recv(PROC_NULL, 5, status), undefined);
      assert.deepEqual([status.Get_source(), status.Get_tag(), status.Get_count()], [PROC_NULL, ANY_TAG, 0]);
      const buf = Float64Array.of(7, 8);
      const bufStatus = new Status();
      await comm.Recv(buf, PROC_NULL, ANY_TAG, bufStatus);
      assert.deepEqual([...buf], [7, 8], 'a buffer receive from PROC_NULL leaves the buffer alone');
      assert.equal(bufStatus.source, PROC_NULL);
      const request = comm.irecv(PROC_NULL);
      const waitStatus = new Status();
      assert.equal(await request.wait(waitStatus), undefined);
      assert.equal(waitStatus.source, PROC_NULL);
      const probed = new Status();
      assert.equal(await comm.iprobe(PROC_NULL, ANY_TAG, probed), true);
      assert.equal(probed.source, PROC_NULL);
      await comm.probe(PROC_NULL);
      // Nothing was sent to a real rank: the only message is this one.
      await comm.send(`from ${comm.rank}`, 1 - comm.rank, 9);
      assert.equal(await comm.recv(1 - comm.rank), `from ${1 - comm.rank}`);
    });
  });

  it('still checks the tag, and other negative ranks are still errors', async () => {
    await spmd(1, async (comm) => {
      await assert.rejects(comm.send(1, PROC_NULL, -5), rejectsWith('ERR_TAG'));
      await assert.rejects(comm.recv(-7), rejectsWith('ERR_RANK'));
      await assert.rejects(comm.send(1, -3), rejectsWith('ERR_RANK'));
    });
  });
});

describe('Sendrecv (buffer form)', () => {
  for (const size of SIZES) {
    it(`shifts a ring of typed arrays one step (np ${size})`, async () => {
      await spmd(size, async (comm) => {
        const right = (comm.rank + 1) % size;
        const left = (comm.rank - 1 + size) % size;
        const out = Float64Array.of(comm.rank, comm.rank + 0.5);
        const into = new Float64Array(2);
        const status = new Status();
        await comm.Sendrecv(out, right, 4, into, left, 4, status);
        assert.deepEqual([...into], [left, left + 0.5]);
        assert.deepEqual([status.source, status.tag, status.count], [left, 4, 2]);
      });
    });
  }

  it('with PROC_NULL on either side, and ERR_TRUNCATE for a small buffer (the message is kept)', async () => {
    await spmd(2, async (comm) => {
      const other = 1 - comm.rank;
      const into = Int32Array.of(-1);
      await comm.Sendrecv(Int32Array.of(comm.rank), PROC_NULL, 0, into, PROC_NULL, 0);
      assert.equal(into[0], -1);
      if (comm.rank === 0) {
        await comm.Sendrecv(Int32Array.of(10, 11), other, 1, into, PROC_NULL, 0);
      } else {
        await assert.rejects(comm.Sendrecv(Int32Array.of(0), PROC_NULL, 0, into, other, 1), rejectsWith('ERR_TRUNCATE'));
        const big = new Int32Array(2);
        await comm.Recv(big, other, 1);
        assert.deepEqual([...big], [10, 11]);
      }
      await assert.rejects(comm.Sendrecv([1] as unknown as Int32Array, other, 0, into, other, 0), rejectsWith('ERR_BUFFER'));
    });
  });
});

describe('Create_cart, Shift, Get_coords, Get_cart_rank', () => {
  for (const size of SIZES) {
    it(`a 1-D open line: neighbours, PROC_NULL at both ends, a halo exchange without ifs (np ${size})`, async () => {
      await spmd(size, async (comm) => {
        const cart = await cartOf(comm, [size], [false]);
        assert.deepEqual([cart.rank, cart.size, cart.ndim], [comm.rank, size, 1]);
        assert.deepEqual(cart.coords, [comm.rank]);
        const [left, right] = cart.Shift(0, 1);
        assert.equal(left, comm.rank === 0 ? PROC_NULL : comm.rank - 1);
        assert.equal(right, comm.rank === size - 1 ? PROC_NULL : comm.rank + 1);
        // Each rank owns cells [10r, 10r+1]; ghosts start at NaN and stay so at the open ends.
        const u = Float64Array.of(Number.NaN, 10 * comm.rank, 10 * comm.rank + 1, Number.NaN);
        await cart.Sendrecv(u.subarray(2, 3), right, 0, u.subarray(0, 1), left, 0);
        await cart.Sendrecv(u.subarray(1, 2), left, 1, u.subarray(3, 4), right, 1);
        assert.deepEqual([u[0], u[3]], [left === PROC_NULL ? Number.NaN : 10 * left + 1, right === PROC_NULL ? Number.NaN : 10 * right]);
      });
    });

    it(`a periodic ring wraps around; the grid has its own contexts (np ${size})`, async () => {
      await spmd(size, async (comm) => {
        const cart = await cartOf(comm, [size], [true]);
        const [source, dest] = cart.Shift(0, 1);
        assert.deepEqual([source, dest], [(comm.rank - 1 + size) % size, (comm.rank + 1) % size]);
        assert.deepEqual(cart.Shift(0, -2), [(comm.rank + 2) % size, (comm.rank - 2 + 2 * size) % size]);
        // A message on the parent is not received on the grid, and the grid's collectives work.
        await comm.send('parent', dest, 0);
        const got = await cart.sendrecv<number>(cart.rank, dest, 0, source, 0);
        assert.equal(got, source);
        assert.equal(await comm.recv(source, 0), 'parent');
        assert.equal(await cart.allreduce(1, SUM), size);
      });
    });
  }

  it('a 2 × 3 grid, row-major, periodic in the second dimension only', async () => {
    await spmd(6, async (comm) => {
      const cart = await cartOf(comm, [2, 3], [false, true]);
      assert.deepEqual(cart.Get_coords(comm.rank), [Math.floor(comm.rank / 3), comm.rank % 3]);
      assert.deepEqual(cart.Get_coords(5), [1, 2]);
      assert.equal(cart.Get_cart_rank([1, 2]), 5);
      assert.equal(cart.Get_cart_rank([1, 3]), 3, 'the periodic dimension wraps');
      assert.throws(() => cart.Get_cart_rank([2, 0]), rejectsWith('ERR_ARG'));
      assert.deepEqual(cart.Get_topo(), [[2, 3], [false, true], cart.Get_coords(comm.rank)]);
      assert.equal(cart.Get_dim(), 2);
      if (comm.rank === 4) {
        assert.deepEqual(cart.Shift(0, 1), [1, PROC_NULL]);
        assert.deepEqual(cart.Shift(1, 1), [3, 5]);
        assert.deepEqual(cart.Shift(1, 2), [5, 3]);
      }
      assert.throws(() => cart.Shift(2, 1), rejectsWith('ERR_ARG'));
      assert.throws(() => cart.Get_coords(6), rejectsWith('ERR_RANK'));
    });
  });

  it('ranks beyond the grid get null; bad shapes are ERR_ARG before anything is sent', async () => {
    await spmd(5, async (comm) => {
      const cart = await comm.Create_cart([2, 2]);
      assert.equal(cart === null, comm.rank === 4);
      if (cart !== null) assert.equal(await cart.allreduce(cart.rank, MAX), 3);
      await assert.rejects(comm.Create_cart([3, 2]), rejectsWith('ERR_ARG'));
      await assert.rejects(comm.Create_cart([0]), rejectsWith('ERR_ARG'));
      await assert.rejects(comm.Create_cart([2], [true, false]), rejectsWith('ERR_ARG'));
      // The failed calls sent nothing: the next collective still lines up.
      assert.equal(await comm.allreduce(1, SUM), 5);
    });
  });
});

describe('IN_PLACE', () => {
  for (const size of SIZES) {
    it(`Allreduce, Allgather on every rank; Reduce, Gather, Scatter at every root (np ${size})`, async () => {
      await spmd(size, async (comm) => {
        const { rank } = comm;
        const sums = Float64Array.of(rank, 2 * rank);
        await comm.Allreduce(IN_PLACE, sums, SUM);
        const total = (size * (size - 1)) / 2;
        assert.deepEqual([...sums], [total, 2 * total]);

        const all = new Int32Array(2 * size).fill(-1);
        all.set([rank, 100 + rank], 2 * rank);
        await comm.Allgather(IN_PLACE, all);
        assert.deepEqual([...all], Array.from({ length: size }, (_, r) => [r, 100 + r]).flat());

        for (let root = 0; root < size; root++) {
          const mine = Float64Array.of(rank + 1);
          if (rank === root) {
            await comm.Reduce(IN_PLACE, mine, SUM, root);
            assert.equal(mine[0], (size * (size + 1)) / 2);
          } else {
            await comm.Reduce(mine, null, SUM, root);
            assert.equal(mine[0], rank + 1, 'a non-root keeps its input');
          }

          if (rank === root) {
            const gathered = new Float64Array(size).fill(Number.NaN);
            gathered[root] = root * 10;
            await comm.Gather(IN_PLACE, gathered, root);
            assert.deepEqual([...gathered], Array.from({ length: size }, (_, r) => r * 10));
          } else {
            await comm.Gather(Float64Array.of(rank * 10), null, root);
          }

          if (rank === root) {
            const parts = Int16Array.from({ length: 2 * size }, (_, i) => i);
            await comm.Scatter(parts, IN_PLACE, root);
            assert.deepEqual([...parts], Array.from({ length: 2 * size }, (_, i) => i), "the root's buffer is unchanged");
          } else {
            const part = new Int16Array(2);
            await comm.Scatter(null, part, root);
            assert.deepEqual([...part], [2 * rank, 2 * rank + 1]);
          }
        }
      });
    });
  }

  it('IN_PLACE where MPI forbids it is ERR_BUFFER on the ranks that would wait for it', async () => {
    await spmd(3, async (comm) => {
      if (comm.rank === 0) {
        await assert.rejects(comm.Reduce(Float64Array.of(1), new Float64Array(1), SUM, 0), rejectsWith('ERR_BUFFER'));
      } else if (comm.rank === 1) {
        await assert.rejects(comm.Reduce(IN_PLACE, new Float64Array(1), SUM, 0), (error: unknown) => rejectsWith('ERR_BUFFER')(error) && /IN_PLACE/.test((error as Error).message));
      } else {
        await comm.Reduce(Float64Array.of(1), null, SUM, 0);
      }
      assert.equal(await comm.allreduce(1, SUM), 3, 'the communicator is still usable');
    });
  });
});

describe('mpi4py spellings and typed results', () => {
  it('Barrier() waits for every rank', async () => {
    const order: string[] = [];
    await spmd(4, async (comm) => {
      if (comm.rank === 3) await new Promise((resolve) => setImmediate(resolve));
      order.push(`in ${comm.rank}`);
      await comm.Barrier();
      order.push(`out ${comm.rank}`);
    });
    assert.deepEqual(order.slice(0, 4).sort(), ['in 0', 'in 1', 'in 2', 'in 3']);
  });

  it('recv<T>, irecv<T>, bcast<T>, scatter<T> give T; gather/reduce give undefined off the root (checked by the compiler too)', async () => {
    await spmd(3, async (comm) => {
      if (comm.rank === 0) await comm.send(41, 1);
      if (comm.rank === 1) {
        const n: number = await comm.recv<number>(0);
        assert.equal(n + 1, 42);
      }
      const request: Request<string> = comm.irecv<string>(comm.rank);
      await comm.send(`self ${comm.rank}`, comm.rank);
      const text: string = await request.wait();
      assert.equal(text, `self ${comm.rank}`);
      const size: number = await comm.bcast(comm.rank === 0 ? 1000 : null, 0);
      assert.equal(size, 1000);
      const part: string = await comm.scatter(comm.rank === 0 ? ['a', 'b', 'c'] : null, 0);
      assert.equal(part, 'abc'[comm.rank]);
      const all = await comm.gather(comm.rank, 0);
      const sum = await comm.reduce(comm.rank, SUM, 0);
      // @ts-expect-error gather's result is undefined on non-roots: it must be checked before use
      const first: number[] = all;
      // @ts-expect-error reduce's result is undefined on non-roots
      const total: number = sum;
      assert.deepEqual([first, total], comm.rank === 0 ? [[0, 1, 2], 3] : [undefined, undefined]);
    });
  });
});
