/**
 * The transport contract: one set of SPMD cases every transport must pass, run in one
 * process over loopback (test/transport/contract.test.ts) and in real processes over
 * zeromq through tsmpirun (test/fixtures/contract.ts). Each case throws on a violation;
 * checks happen after the communication has completed on every rank, so a failing
 * check never leaves another rank waiting.
 *
 * Buffer reuse: every sending call's buffer is overwritten right after the call resolves;
 * the receiver must still see what was sent. Sizes straddle the eager limit: 2,056 bytes
 * (above zeromq's 128-byte copy threshold, below the eager limit) and 8 MiB (rendezvous).
 */
import { ANY_SOURCE, ANY_TAG, MpiError, Status, SUM, type Comm } from '../../src/index.js';

export interface ContractCase {
  readonly name: string;
  run(comm: Comm): Promise<void>;
}

/** Element counts of the Float64Arrays used by the buffer-reuse cases. */
const COUNTS = [257, 1 << 20];

/** The values rank `seed` sends in a buffer of `count` elements (small integers: sums are exact). */
function pattern(count: number, seed: number): Float64Array {
  const array = new Float64Array(count);
  for (let i = 0; i < count; i++) array[i] = (seed * 7919 + i) % 1000;
  return array;
}

function expect(where: string, got: unknown, want: Float64Array): void {
  if (!(got instanceof Float64Array)) throw new Error(`${where}: received ${Object.prototype.toString.call(got)}, not a Float64Array`);
  if (got.length !== want.length) throw new Error(`${where}: received ${got.length} elements, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${where}: element ${i} is ${got[i]}, expected ${want[i]} (the sender's later change leaked)`);
  }
}

/** Sum of every rank's pattern. */
function patternSum(count: number, size: number): Float64Array {
  const sum = new Float64Array(count);
  for (let rank = 0; rank < size; rank++) {
    const part = pattern(count, rank);
    for (let i = 0; i < count; i++) sum[i] = (sum[i] as number) + (part[i] as number);
  }
  return sum;
}

/** Inclusive prefix sum of ranks 0..rank's patterns. */
function patternPrefix(count: number, rank: number): Float64Array {
  return patternSum(count, rank + 1);
}

/** The sender's overwrite: what must never reach the receiver. */
function clobber(...arrays: Float64Array[]): void {
  for (const array of arrays) array.fill(-1);
}

type Reuse = (comm: Comm, count: number, tag: number) => Promise<void>;

/** Point-to-point: rank 0 sends `pattern(count, 0)` to rank 1 in some way, then overwrites it. */
function p2p(
  send: (comm: Comm, buffer: Float64Array, tag: number) => Promise<void>,
  receive: (comm: Comm, count: number, tag: number) => Promise<unknown>,
): Reuse {
  return async (comm, count, tag) => {
    if (comm.rank === 0) {
      const buffer = pattern(count, 0);
      await send(comm, buffer, tag);
      clobber(buffer);
    } else if (comm.rank === 1) {
      expect(`rank 1`, await receive(comm, count, tag), pattern(count, 0));
    }
  };
}

const recvObject = async (comm: Comm, _count: number, tag: number): Promise<unknown> => ((await comm.recv(0, tag)) as { a: unknown }).a;
const recvBuffer = async (comm: Comm, count: number, tag: number): Promise<unknown> => {
  const into = new Float64Array(count);
  await comm.Recv(into, 0, tag);
  return into;
};

const reuse: Record<string, Reuse> = {
  send: p2p((comm, a, tag) => comm.send({ a }, 1, tag), recvObject),
  Send: p2p((comm, a, tag) => comm.Send(a, 1, tag), recvBuffer),
  isend: p2p((comm, a, tag) => comm.isend({ a }, 1, tag).wait(), recvObject),
  Isend: p2p((comm, a, tag) => comm.Isend(a, 1, tag).wait(), recvBuffer),
  ssend: p2p((comm, a, tag) => comm.ssend({ a }, 1, tag), recvObject),
  sendrecv: async (comm, count, tag) => {
    if (comm.rank > 1) return;
    const other = 1 - comm.rank;
    const mine = pattern(count, comm.rank);
    const got = (await comm.sendrecv({ a: mine }, other, tag, other, tag)) as { a: unknown };
    clobber(mine);
    expect(`rank ${comm.rank}`, got.a, pattern(count, other));
  },
  bcast: async (comm, count) => {
    const mine = comm.rank === 0 ? pattern(count, 0) : null;
    const got = await comm.bcast(mine === null ? null : { a: mine }, 0);
    if (mine !== null) clobber(mine);
    else expect(`rank ${comm.rank}`, got?.a, pattern(count, 0));
  },
  Bcast: async (comm, count) => {
    const buffer = comm.rank === 0 ? pattern(count, 0) : new Float64Array(count);
    await comm.Bcast(buffer, 0);
    if (comm.rank === 0) clobber(buffer);
    else expect(`rank ${comm.rank}`, buffer, pattern(count, 0));
  },
  scatter: async (comm, count) => {
    const parts = comm.rank === 0 ? Array.from({ length: comm.size }, (_, rank) => pattern(count, rank)) : null;
    const got = await comm.scatter(parts === null ? null : parts.map((a) => ({ a })), 0);
    if (parts !== null) clobber(...parts);
    else expect(`rank ${comm.rank}`, got.a, pattern(count, comm.rank));
  },
  Scatter: async (comm, count) => {
    let sendbuf: Float64Array | null = null;
    if (comm.rank === 0) {
      sendbuf = new Float64Array(count * comm.size);
      for (let rank = 0; rank < comm.size; rank++) sendbuf.set(pattern(count, rank), rank * count);
    }
    const recvbuf = new Float64Array(count);
    await comm.Scatter(sendbuf, recvbuf, 0);
    if (sendbuf !== null) clobber(sendbuf);
    expect(`rank ${comm.rank}`, recvbuf, pattern(count, comm.rank));
  },
  gather: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const got = await comm.gather({ a: mine }, 0);
    clobber(mine);
    // The root's own entry is its own object (no transport involved); check the others'.
    if (got !== undefined) for (let rank = 1; rank < comm.size; rank++) expect(`rank 0 from ${rank}`, got[rank]?.a, pattern(count, rank));
  },
  Gather: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const recvbuf = comm.rank === 0 ? new Float64Array(count * comm.size) : null;
    await comm.Gather(mine, recvbuf, 0);
    clobber(mine);
    if (recvbuf !== null)
      for (let rank = 0; rank < comm.size; rank++)
        expect(`rank 0 from ${rank}`, recvbuf.subarray(rank * count, (rank + 1) * count), pattern(count, rank));
  },
  allgather: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const got = await comm.allgather({ a: mine });
    clobber(mine);
    for (let rank = 0; rank < comm.size; rank++)
      if (rank !== comm.rank) expect(`rank ${comm.rank} from ${rank}`, got[rank]?.a, pattern(count, rank));
  },
  reduce: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const got = await comm.reduce(mine, SUM, 0);
    clobber(mine);
    if (comm.rank === 0) expect('rank 0', got, patternSum(count, comm.size));
  },
  Reduce: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const recvbuf = comm.rank === 0 ? new Float64Array(count) : null;
    await comm.Reduce(mine, recvbuf, SUM, 0);
    clobber(mine);
    if (recvbuf !== null) expect('rank 0', recvbuf, patternSum(count, comm.size));
  },
  allreduce: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const got = await comm.allreduce(mine, SUM);
    const want = patternSum(count, comm.size);
    clobber(mine);
    expect(`rank ${comm.rank}`, got, want);
  },
  Allreduce: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const recvbuf = new Float64Array(count);
    await comm.Allreduce(mine, recvbuf, SUM);
    clobber(mine);
    expect(`rank ${comm.rank}`, recvbuf, patternSum(count, comm.size));
  },
  alltoall: async (comm, count) => {
    // Rank r sends pattern(count, r * size + d) to rank d.
    const parts = Array.from({ length: comm.size }, (_, dest) => pattern(count, comm.rank * comm.size + dest));
    const got = await comm.alltoall(parts.map((a) => ({ a })));
    clobber(...parts);
    for (let rank = 0; rank < comm.size; rank++)
      if (rank !== comm.rank) expect(`rank ${comm.rank} from ${rank}`, got[rank]?.a, pattern(count, rank * comm.size + comm.rank));
  },
  scan: async (comm, count) => {
    const mine = pattern(count, comm.rank);
    const got = await comm.scan(mine, SUM);
    const want = patternPrefix(count, comm.rank);
    clobber(mine);
    if (comm.rank > 0) expect(`rank ${comm.rank}`, got, want);
  },
};

const reuseCases: ContractCase[] = Object.entries(reuse).flatMap(([call, body], index) =>
  COUNTS.map((count) => ({
    name: `buffer reuse after ${call} (${count * 8} bytes)`,
    run: (comm: Comm) => body(comm, count, 100 + index),
  })),
);

/** Sizes mixing eager and rendezvous messages, in the order one sender sends them. */
const MIXED_BYTES = [8, 3 << 20, 100, 70_000, 1 << 16, 5, 2 << 20, 0, 1 << 20, 17];

function bytesFor(index: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (index * 31 + i) & 0xff;
  return bytes;
}

function sameBytes(where: string, got: unknown, want: Uint8Array): void {
  if (!(got instanceof Uint8Array)) throw new Error(`${where}: received ${Object.prototype.toString.call(got)}`);
  if (Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(want)) !== 0)
    throw new Error(`${where}: ${got.byteLength} bytes differ from the ${want.byteLength} sent`);
}

/** The message of what `check` throws, as a list (empty when it passes). */
function caught(check: () => void): string[] {
  try {
    check();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

async function code(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'none';
  } catch (error) {
    return error instanceof MpiError ? error.code : String(error);
  }
}

const otherCases: ContractCase[] = [
  {
    // zeromq.js completes at most 512 sends on a socket synchronously in a row, then defers
    // one and refuses (EBUSY) any other until it has gone: the transport queues those in order.
    name: 'a flood of 2,000 small typed sends issued at once arrives in order, each with its Status',
    run: async (comm) => {
      const count = 2000;
      if (comm.rank === 0) {
        const sends: Promise<void>[] = [];
        const buffer = new Int32Array(2);
        for (let index = 0; index < count; index++) {
          buffer[0] = index;
          buffer[1] = -index;
          // Not awaited: each call hands its bytes over before returning, so the buffer is free at once.
          sends.push(comm.Send(buffer, 1, index % 5));
        }
        await Promise.all(sends);
      } else if (comm.rank === 1) {
        const into = new Int32Array(4);
        const status = new Status();
        const problems: string[] = [];
        for (let index = 0; index < count && problems.length < 5; index++) {
          await comm.Recv(into, 0, ANY_TAG, status);
          if (into[0] !== index || into[1] !== -index) problems.push(`message ${index} arrived as [${into[0]}, ${into[1]}]`);
          if (status.tag !== index % 5 || status.source !== 0 || status.count !== 2 || status.byteLength !== 8)
            problems.push(`message ${index}: Status ${JSON.stringify(status)}`);
        }
        if (problems.length > 0) throw new Error(problems.join('; '));
      }
    },
  },
  {
    name: 'order kept across small and large messages from one sender, all sends in flight at once',
    run: async (comm) => {
      if (comm.rank === 0) {
        // Not awaited one by one: every message is outstanding together.
        await Promise.all(
          MIXED_BYTES.map((length, index) =>
            index % 2 === 0
              ? comm.Isend(bytesFor(index, length), 1, index % 3).wait()
              : comm.isend(bytesFor(index, length), 1, index % 3).wait(),
          ),
        );
      } else if (comm.rank === 1) {
        const status = new Status();
        const problems: string[] = [];
        for (let index = 0; index < MIXED_BYTES.length; index++) {
          const got = await comm.recv(0, ANY_TAG, status);
          problems.push(...caught(() => sameBytes(`message ${index}`, got, bytesFor(index, MIXED_BYTES[index] as number))));
          if (status.tag !== index % 3) problems.push(`message ${index} came with tag ${status.tag}, expected ${index % 3}`);
        }
        if (problems.length > 0) throw new Error(problems.join('; '));
      }
    },
  },
  {
    name: 'a receive for a later tag skips an earlier large message, which then waits in order',
    run: async (comm) => {
      if (comm.rank === 0) {
        await Promise.all([
          comm.Isend(bytesFor(1, 2 << 20), 1, 1).wait(),
          comm.Isend(bytesFor(2, 10), 1, 2).wait(),
          comm.Isend(bytesFor(3, 3 << 20), 1, 1).wait(),
        ]);
      } else if (comm.rank === 1) {
        const got = [await comm.recv(0, 2), await comm.recv(0, 1), await comm.recv(0, 1)];
        sameBytes('tag 2 first', got[0], bytesFor(2, 10));
        sameBytes('then the first tag 1', got[1], bytesFor(1, 2 << 20));
        sameBytes('then the second tag 1', got[2], bytesFor(3, 3 << 20));
      }
    },
  },
  {
    name: 'a 64 MiB Float64Array arrives bit-exact, as a buffer and inside an object',
    run: async (comm) => {
      const count = (64 << 20) / 8;
      if (comm.rank === 0) {
        const data = pattern(count, 5);
        await comm.Send(data, 1, 3);
        await comm.send({ data }, 1, 4);
        clobber(data);
      } else if (comm.rank === 1) {
        const into = new Float64Array(count);
        await comm.Recv(into, 0, 3);
        expect('Recv', into, pattern(count, 5));
        expect('recv', ((await comm.recv(0, 4)) as { data: unknown }).data, pattern(count, 5));
      }
    },
  },
  {
    name: 'ANY_SOURCE receives of large messages: probe sees the size first, a small buffer gets ERR_TRUNCATE and the message is kept',
    run: async (comm) => {
      const length = (1 << 20) + 8;
      if (comm.rank === 0) {
        const seen = new Set<number>();
        const status = new Status();
        const problems: string[] = [];
        for (let n = 0; n < comm.size - 1; n++) {
          await comm.probe(ANY_SOURCE, 9, status);
          if (status.byteLength !== length) problems.push(`probe saw ${status.byteLength} bytes, expected ${length}`);
          const source = status.source;
          const truncated = await code(() => comm.Recv(new Uint8Array(16), source, 9));
          if (truncated !== 'ERR_TRUNCATE') problems.push(`a 16-byte Recv of a ${length}-byte message gave ${truncated}`);
          const into = new Uint8Array(length);
          await comm.Recv(into, ANY_SOURCE, 9, status);
          if (seen.has(status.source)) problems.push(`rank ${status.source} delivered twice`);
          seen.add(status.source);
          problems.push(...caught(() => sameBytes(`from rank ${status.source}`, into, bytesFor(status.source, length))));
        }
        if (problems.length > 0) throw new Error(problems.join('; '));
      } else {
        await comm.Send(bytesFor(comm.rank, length), 0, 9);
      }
    },
  },
  {
    name: 'memory stays bounded while a rank computes and two others Send it 1 MiB messages',
    run: async (comm) => {
      const count = 1 << 17; // 1 MiB of float64
      const rounds = 300;
      const senders = [1, 2].filter((rank) => rank < comm.size);
      // Measured as growth over this case's start: over loopback every rank shares one
      // process that still holds earlier cases' memory. A fresh rank starts near 60 MiB,
      // so 300 MiB of growth keeps each zeromq rank under the 400 MiB the README states.
      const start = process.memoryUsage().rss;
      let peak = start;
      let problem: string | undefined;
      const sample = (): void => {
        peak = Math.max(peak, process.memoryUsage().rss);
      };
      if (comm.rank === 0) {
        // Busy computing (not waiting on any event) while the senders push as hard as they can.
        const until = performance.now() + 3000;
        let x = 0;
        while (performance.now() < until) x += Math.sqrt(x + 1);
        if (!Number.isFinite(x)) throw new Error('unreachable');
        sample();
        const into = new Float64Array(count);
        for (let round = 0; round < rounds; round++) {
          for (const source of senders) {
            await comm.Recv(into, source, 11);
            if (into[0] !== source || into[count - 1] !== round)
              problem ??= `round ${round} from rank ${source}: corrupted or out of order`;
            sample();
          }
        }
      } else if (senders.includes(comm.rank)) {
        const data = new Float64Array(count);
        for (let round = 0; round < rounds; round++) {
          data[0] = comm.rank;
          data[count - 1] = round;
          await comm.Send(data, 0, 11);
          sample();
        }
      }
      const growths = await comm.allgather(peak - start);
      const over = growths.map((bytes, rank) => ({ rank, mib: bytes / 2 ** 20 })).filter((entry) => entry.mib >= 300);
      if (problem !== undefined) throw new Error(problem);
      if (over.length > 0)
        throw new Error(
          `resident memory grew by ${over.map((entry) => `${entry.mib.toFixed(0)} MiB on rank ${entry.rank}`).join(', ')} (bound 300 MiB)`,
        );
    },
  },
];

/** Every case, in the order they run. */
export const CASES: readonly ContractCase[] = [...reuseCases, ...otherCases];

/**
 * Run every case on `comm` (all ranks call this). After each case the ranks gather their
 * failures, and rank 0 prints `ok <name>` or `FAIL <name>: rank r: message` at once, so a
 * later hang still leaves the earlier results.
 */
export async function runAll(comm: Comm, only?: (name: string) => boolean, print: (line: string) => void = console.log): Promise<void> {
  for (const entry of CASES.filter((candidate) => only?.(candidate.name) ?? true)) {
    let failure: string | null = null;
    try {
      await entry.run(comm);
    } catch (error) {
      failure = `rank ${comm.rank}: ${error instanceof Error ? error.message : String(error)}`;
    }
    const all = await comm.gather(failure, 0);
    if (all === undefined) continue;
    const problems = all.filter((text): text is string => typeof text === 'string');
    print(problems.length === 0 ? `ok ${entry.name}` : `FAIL ${entry.name}: ${problems.join('; ')}`);
  }
}
