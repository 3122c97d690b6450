/**
 * SPMD bodies for the mpi4py calls a halo exchange needs (PROC_NULL, Sendrecv,
 * Create_cart/Shift, IN_PLACE, Barrier, typed receives). Each works at every size and
 * throws on a wrong value; test/comm runs them over loopback, test/fixtures/topology.ts
 * through tsmpirun over zeromq.
 */
import assert from 'node:assert/strict';
import { ANY_TAG, Cartcomm, Compute_dims, IN_PLACE, MAX, MpiError, PROC_NULL, Request, Status, SUM, type Comm } from '../../src/index.js';

export const rejectsWith = (code: string) => (error: unknown) => error instanceof MpiError && error.code === code;

async function cartOf(comm: Comm, dims: number[], periods?: boolean[]): Promise<Cartcomm> {
  const cart = await comm.Create_cart(dims, periods);
  assert.ok(cart instanceof Cartcomm, `rank ${comm.rank} is on the grid`);
  return cart;
}

/** Sends to PROC_NULL vanish; receives from it give undefined / leave the buffer; statuses say PROC_NULL. */
async function procNull(comm: Comm): Promise<void> {
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
  const waitStatus = new Status();
  assert.equal(await comm.irecv(PROC_NULL).wait(waitStatus), undefined);
  assert.equal(waitStatus.source, PROC_NULL);
  const probed = new Status();
  assert.equal(await comm.iprobe(PROC_NULL, ANY_TAG, probed), true);
  assert.equal(probed.source, PROC_NULL);
  await comm.probe(PROC_NULL);
  // Nothing reached a real rank: the next message from the left neighbour is this one.
  const right = (comm.rank + 1) % comm.size;
  const left = (comm.rank - 1 + comm.size) % comm.size;
  await comm.send(`from ${comm.rank}`, right, 9);
  assert.equal(await comm.recv(left), `from ${left}`);
  await assert.rejects(comm.send(1, PROC_NULL, -5), rejectsWith('ERR_TAG'));
  await assert.rejects(comm.recv(-7), rejectsWith('ERR_RANK'));
}

/** A ring shift of typed arrays with the buffer form, and its Status. */
async function sendrecvRing(comm: Comm): Promise<void> {
  const right = (comm.rank + 1) % comm.size;
  const left = (comm.rank - 1 + comm.size) % comm.size;
  const into = new Float64Array(2);
  const status = new Status();
  await comm.Sendrecv(Float64Array.of(comm.rank, comm.rank + 0.5), right, 4, into, left, 4, status);
  assert.deepEqual([...into], [left, left + 0.5]);
  assert.deepEqual([status.Get_source(), status.Get_tag(), status.Get_count()], [left, 4, 2]);
  const kept = Int32Array.of(-1);
  await comm.Sendrecv(Int32Array.of(comm.rank), PROC_NULL, 0, kept, PROC_NULL, 0);
  assert.equal(kept[0], -1);
}

/** A 1-D open line: PROC_NULL at both ends, and a two-sided halo exchange with no `if`. */
async function openLine(comm: Comm): Promise<void> {
  const { rank, size } = comm;
  const cart = await cartOf(comm, [size], [false]);
  assert.deepEqual([cart.rank, cart.size, cart.ndim, cart.coords], [rank, size, 1, [rank]]);
  const [left, right] = cart.Shift(0, 1);
  assert.equal(left, rank === 0 ? PROC_NULL : rank - 1);
  assert.equal(right, rank === size - 1 ? PROC_NULL : rank + 1);
  const u = Float64Array.of(Number.NaN, 10 * rank, 10 * rank + 1, Number.NaN);
  await cart.Sendrecv(u.subarray(2, 3), right, 0, u.subarray(0, 1), left, 0);
  await cart.Sendrecv(u.subarray(1, 2), left, 1, u.subarray(3, 4), right, 1);
  assert.deepEqual([u[0], u[3]], [left === PROC_NULL ? Number.NaN : 10 * left + 1, right === PROC_NULL ? Number.NaN : 10 * right]);
}

/** A periodic ring wraps; the grid's contexts are its own; its collectives work. */
async function periodicRing(comm: Comm): Promise<void> {
  const { rank, size } = comm;
  const cart = await cartOf(comm, [size], [true]);
  const [source, dest] = cart.Shift(0, 1);
  assert.deepEqual([source, dest], [(rank - 1 + size) % size, (rank + 1) % size]);
  assert.deepEqual(cart.Shift(0, -2), [(rank + 2) % size, (rank - 2 + 2 * size) % size]);
  await comm.send('parent', dest, 0);
  assert.equal(await cart.sendrecv<number>(cart.rank, dest, 0, source, 0), source);
  assert.equal(await comm.recv(source, 0), 'parent');
  assert.equal(await cart.allreduce(1, SUM), size);
}

/** A 2-D grid from Compute_dims, periodic in the second dimension: coordinates and shifts agree. */
async function grid2d(comm: Comm): Promise<void> {
  const dims = Compute_dims(comm.size, 2);
  const [rows = 1, cols = 1] = dims;
  const cart = await cartOf(comm, dims, [false, true]);
  const [row, col] = [Math.floor(comm.rank / cols), comm.rank % cols];
  assert.deepEqual(cart.Get_coords(comm.rank), [row, col]);
  assert.deepEqual(cart.coords, [row, col]);
  assert.equal(cart.Get_cart_rank([row, col + cols]), comm.rank, 'the periodic dimension wraps');
  assert.deepEqual(cart.Get_topo(), [dims, [false, true], [row, col]]);
  assert.deepEqual(cart.Shift(0, 1), [row === 0 ? PROC_NULL : comm.rank - cols, row === rows - 1 ? PROC_NULL : comm.rank + cols]);
  assert.deepEqual(cart.Shift(1, 1), [row * cols + ((col - 1 + cols) % cols), row * cols + ((col + 1) % cols)]);
  // Who sent me what along dimension 1 must be what Shift says.
  const [source, dest] = cart.Shift(1, 1);
  assert.equal(await cart.sendrecv<number>(cart.rank, dest, 2, source, 2), source);
  assert.throws(() => cart.Shift(2, 1), rejectsWith('ERR_ARG'));
  assert.throws(() => cart.Get_coords(comm.size), rejectsWith('ERR_RANK'));
}

/** IN_PLACE for Allreduce and Allgather on every rank, Reduce, Gather and Scatter at every root. */
async function inPlace(comm: Comm): Promise<void> {
  const { rank, size } = comm;
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
    await comm.Reduce(rank === root ? IN_PLACE : mine, rank === root ? mine : null, SUM, root);
    assert.equal(mine[0], rank === root ? (size * (size + 1)) / 2 : rank + 1);
    const gathered = new Float64Array(size).fill(Number.NaN);
    gathered[rank] = rank * 10;
    await comm.Gather(rank === root ? IN_PLACE : gathered.subarray(rank, rank + 1), rank === root ? gathered : null, root);
    if (rank === root)
      assert.deepEqual(
        [...gathered],
        Array.from({ length: size }, (_, r) => r * 10),
      );
    const parts = Int16Array.from({ length: 2 * size }, (_, i) => (rank === root ? i : -1));
    const part = new Int16Array(2);
    await comm.Scatter(rank === root ? parts : null, rank === root ? IN_PLACE : part, root);
    if (rank === root)
      assert.deepEqual(
        [...parts],
        Array.from({ length: 2 * size }, (_, i) => i),
        "the root's buffer is unchanged",
      );
    else assert.deepEqual([...part], [2 * rank, 2 * rank + 1]);
  }
}

/** Barrier, typed results (undefined off the root, also to the compiler), Wtick. */
async function spellings(comm: Comm): Promise<void> {
  await comm.Barrier();
  const { rank, size } = comm;
  const request: Request<string> = comm.irecv<string>(rank);
  await comm.send(`self ${rank}`, rank);
  const text: string = await request.wait();
  assert.equal(text, `self ${rank}`);
  const count: number = await comm.bcast(rank === 0 ? 1000 : null, 0);
  assert.equal(count, 1000);
  const part: string = await comm.scatter(rank === 0 ? Array.from({ length: size }, (_, r) => `p${r}`) : null, 0);
  assert.equal(part, `p${rank}`);
  const n: number = await comm.sendrecv<number>(rank, rank, 0, rank, 0);
  assert.equal(n, rank);
  const all = await comm.gather(rank, 0);
  const sum = await comm.reduce(rank, SUM, 0);
  // @ts-expect-error gather's result is undefined on non-roots: it must be checked before use
  const first: number[] = all;
  // @ts-expect-error reduce's result is undefined on non-roots
  const total: number = sum;
  assert.deepEqual(
    [first, total],
    rank === 0 ? [Array.from({ length: size }, (_, r) => r), (size * (size - 1)) / 2] : [undefined, undefined],
  );
  assert.equal(await comm.allreduce(rank, MAX), size - 1);
}

/** Every body, by name, in the order the fixture runs them. */
export const BODIES: readonly (readonly [string, (comm: Comm) => Promise<void>])[] = [
  ['PROC_NULL', procNull],
  ['Sendrecv ring', sendrecvRing],
  ['open line', openLine],
  ['periodic ring', periodicRing],
  ['2-D grid', grid2d],
  ['IN_PLACE', inPlace],
  ['spellings', spellings],
];
