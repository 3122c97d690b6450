/**
 * Mismatched collective calls and their expected outcome, shared by the in-process test
 * (test/comm/collectives-mismatch.test.ts) and the tsmpirun fixture
 * (test/fixtures/coll-mismatch.ts). Each case runs one SPMD body and gives, per call it
 * makes, `ok` or `<code> <message>`; `expect` gives what every rank must see.
 */
import assert from 'node:assert/strict';
import { type Comm, MAX, MpiError, SUM, UNDEFINED } from '../../src/index.js';

/** What one call of a case must give on every rank: `ok`, or the code and texts the message must contain. */
export type Expected = 'ok' | { readonly code: string; readonly contains: readonly string[] };

export interface MismatchCase {
  readonly name: string;
  /** Runs on every rank; resolves with one outcome per call made. */
  readonly run: (comm: Comm) => Promise<string[]>;
  readonly expect: (size: number) => Expected[];
}

/** `ok`, or the rejection's code and message. */
export async function outcome(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    if (!(error instanceof MpiError)) throw error;
    return `${error.code} ${error.message}`;
  }
}

/** True when `got` is what `expected` asks for. */
export function fits(got: string, expected: Expected): boolean {
  if (expected === 'ok') return got === 'ok';
  return got.startsWith(`${expected.code} `) && expected.contains.every((text) => got.includes(text));
}

const mismatch = (...contains: string[]): Expected => ({ code: 'ERR_COLL_MISMATCH', contains });

/** float64 elements of an Allreduce that runs by Rabenseifner at every np from 2 (8 MiB, src/collectives/select.ts). */
const RABENSEIFNER_COUNT = 1024 * 1024;

/** An object shaped like the error markers tsmpi once carried inside values. */
export const FAKE_MARKER = { '\u0000tsmpi-error': true, code: 'ERR_ROOT', message: 'x' };

/** One collective call of each kind, with its description, for the sweep below. */
const CALLS: readonly {
  readonly label: string;
  readonly call: (size: number) => string;
  readonly run: (comm: Comm) => Promise<unknown>;
}[] = [
  { label: 'barrier', call: () => 'barrier()', run: (comm) => comm.barrier() },
  { label: 'bcast', call: () => 'bcast(root 0)', run: (comm) => comm.bcast(1, 0) },
  {
    label: 'scatter',
    call: () => 'scatter(root 0)',
    run: (comm) => comm.scatter(comm.rank === 0 ? new Array<number>(comm.size).fill(1) : null, 0),
  },
  { label: 'gather', call: () => 'gather(root 0)', run: (comm) => comm.gather(1, 0) },
  { label: 'allgather', call: () => 'allgather()', run: (comm) => comm.allgather(1) },
  { label: 'alltoall', call: () => 'alltoall()', run: (comm) => comm.alltoall(new Array<number>(comm.size).fill(1)) },
  { label: 'reduce', call: () => 'reduce(SUM, root 0)', run: (comm) => comm.reduce(1, SUM, 0) },
  { label: 'allreduce', call: () => 'allreduce(SUM)', run: (comm) => comm.allreduce(1) },
  { label: 'scan', call: () => 'scan(SUM)', run: (comm) => comm.scan(1) },
  { label: 'exscan', call: () => 'exscan(SUM)', run: (comm) => comm.exscan(1) },
  { label: 'Bcast', call: () => 'Bcast(16 bytes, root 0)', run: (comm) => comm.Bcast(new Float64Array(2), 0) },
  {
    label: 'Scatter',
    call: () => 'Scatter(8 bytes, root 0)',
    run: (comm) => comm.Scatter(comm.rank === 0 ? new Float64Array(comm.size) : null, new Float64Array(1), 0),
  },
  {
    label: 'Scatterv',
    call: () => 'Scatterv(root 0)',
    run: (comm) =>
      comm.Scatterv(comm.rank === 0 ? [new Float64Array(comm.size), new Array<number>(comm.size).fill(1)] : null, new Float64Array(1), 0),
  },
  {
    label: 'Gather',
    call: () => 'Gather(8 bytes, root 0)',
    run: (comm) => comm.Gather(new Float64Array(1), comm.rank === 0 ? new Float64Array(comm.size) : null, 0),
  },
  {
    label: 'Gatherv',
    call: () => 'Gatherv(root 0)',
    run: (comm) =>
      comm.Gatherv(new Float64Array(1), comm.rank === 0 ? [new Float64Array(comm.size), new Array<number>(comm.size).fill(1)] : null, 0),
  },
  { label: 'Allgather', call: () => 'Allgather(8 bytes)', run: (comm) => comm.Allgather(new Float64Array(1), new Float64Array(comm.size)) },
  {
    label: 'Allgatherv',
    call: () => 'Allgatherv()',
    run: (comm) => comm.Allgatherv(new Float64Array(1), [new Float64Array(comm.size), new Array<number>(comm.size).fill(1)]),
  },
  {
    label: 'Alltoall',
    call: (size) => `Alltoall(${8 * size} bytes)`,
    run: (comm) => comm.Alltoall(new Float64Array(comm.size), new Float64Array(comm.size)),
  },
  {
    label: 'Reduce',
    call: () => 'Reduce(Float64Array(2), SUM, root 0)',
    run: (comm) => comm.Reduce(new Float64Array(2), comm.rank === 0 ? new Float64Array(2) : null, SUM, 0),
  },
  {
    label: 'Allreduce',
    call: () => 'Allreduce(Float64Array(2), SUM)',
    run: (comm) => comm.Allreduce(new Float64Array(2), new Float64Array(2)),
  },
  { label: 'Dup', call: () => 'Dup()', run: (comm) => comm.Dup() },
  { label: 'Split', call: () => 'Split()', run: (comm) => comm.Split(UNDEFINED) },
  { label: 'ibarrier', call: () => 'barrier()', run: (comm) => comm.ibarrier().wait() },
  { label: 'ibcast', call: () => 'bcast(root 1)', run: (comm) => comm.ibcast(1, 1).wait() },
  { label: 'ireduce', call: () => 'reduce(SUM, root 1)', run: (comm) => comm.ireduce(1, SUM, 1).wait() },
  { label: 'iallreduce', call: () => 'allreduce(MAX)', run: (comm) => comm.iallreduce(1, MAX).wait() },
];

/**
 * The cases, for np ≥ 2. The sweep makes the last rank call each kind of collective
 * where the others call the next kind, so every kind is met on both sides; the
 * communicator must keep working after each mismatch.
 */
export const CASES: readonly MismatchCase[] = [
  {
    name: 'bcast against reduce',
    run: async (comm) => [await outcome(() => (comm.rank === 0 ? comm.bcast(42, 0) : comm.reduce(1, SUM, 0)))],
    expect: () => [mismatch('rank 1 called reduce(SUM, root 0)', 'rank 0 called bcast(root 0)')],
  },
  {
    name: 'bcast with different roots',
    run: async (comm) => [await outcome(() => comm.bcast(comm.rank, comm.rank === 0 ? 0 : 1))],
    expect: () => [mismatch('rank 1 called bcast(root 1)', 'rank 0 called bcast(root 0)')],
  },
  {
    name: 'bcast and allreduce in crossed order',
    run: async (comm) => {
      const first = await outcome(() => (comm.rank === 0 ? comm.bcast(1, 0) : comm.allreduce(1)));
      const second = await outcome(() => (comm.rank === 0 ? comm.allreduce(1) : comm.bcast(1, 0)));
      return [first, second];
    },
    expect: () => [
      mismatch('rank 1 called allreduce(SUM)', 'rank 0 called bcast(root 0)'),
      mismatch('rank 1 called bcast(root 0)', 'rank 0 called allreduce(SUM)'),
    ],
  },
  {
    name: 'gather root against bcast receivers',
    run: async (comm) => [await outcome(() => (comm.rank === 0 ? comm.gather(1, 0) : comm.bcast(null, 0)))],
    expect: () => [mismatch('rank 1 called bcast(root 0)', 'rank 0 called gather(root 0)')],
  },
  {
    name: 'Allreduce of different lengths',
    run: async (comm) => {
      const n = comm.rank === comm.size - 1 ? 5 : 4;
      return [await outcome(() => comm.Allreduce(new Float64Array(n).fill(1), new Float64Array(n)))];
    },
    expect: (size) => [
      mismatch(`rank ${size - 1} called Allreduce(Float64Array(5), SUM)`, 'rank 0 called Allreduce(Float64Array(4), SUM)'),
    ],
  },
  {
    // A small Allreduce runs by recursive doubling, a 1 MiB one from np 5 by Rabenseifner: both fused with the round.
    name: 'Allreduce fused against Allreduce segmented',
    run: async (comm) => {
      const n = comm.rank === 0 ? 131072 : 4;
      return [await outcome(() => comm.Allreduce(new Float64Array(n).fill(1), new Float64Array(n))), await outcome(() => comm.barrier())];
    },
    expect: () => [mismatch('rank 1 called Allreduce(Float64Array(4), SUM)', 'rank 0 called Allreduce(Float64Array(131072), SUM)'), 'ok'],
  },
  {
    // An 8 MiB Allreduce runs by Rabenseifner fused with the round: its
    // reduce-scatter is the round, and no rank may start the allgather when the round shows
    // a rank in another call. Here that rank is in a fused Bcast ...
    name: 'Allreduce by Rabenseifner against Bcast',
    run: async (comm) => [
      await outcome(() =>
        comm.rank === comm.size - 1
          ? comm.Allreduce(new Float64Array(RABENSEIFNER_COUNT).fill(1), new Float64Array(RABENSEIFNER_COUNT))
          : comm.Bcast(new Float64Array(2), 0),
      ),
      await outcome(() => comm.barrier()),
    ],
    expect: (size) => [
      mismatch(`rank ${size - 1} called Allreduce(Float64Array(${RABENSEIFNER_COUNT}), SUM)`, 'rank 0 called Bcast(16 bytes, root 0)'),
      'ok',
    ],
  },
  {
    // ... here in a gather, whose round runs beside its algorithm; and every other rank runs Rabenseifner.
    name: 'Allreduce by Rabenseifner against gather',
    run: async (comm) => [
      await outcome(() =>
        comm.rank === comm.size - 1
          ? comm.gather(comm.rank, 0)
          : comm.Allreduce(new Float64Array(RABENSEIFNER_COUNT).fill(1), new Float64Array(RABENSEIFNER_COUNT)),
      ),
      await outcome(() => comm.barrier()),
    ],
    expect: (size) => [
      mismatch(`rank ${size - 1} called gather(root 0)`, `rank 0 called Allreduce(Float64Array(${RABENSEIFNER_COUNT}), SUM)`),
      'ok',
    ],
  },
  {
    // Both sides Rabenseifner, with halves of different lengths.
    name: 'Allreduce by Rabenseifner of different lengths',
    run: async (comm) => {
      const n = RABENSEIFNER_COUNT + (comm.rank === 0 ? 0 : 8);
      return [await outcome(() => comm.Allreduce(new Float64Array(n).fill(1), new Float64Array(n))), await outcome(() => comm.barrier())];
    },
    expect: () => [
      mismatch(
        `rank 1 called Allreduce(Float64Array(${RABENSEIFNER_COUNT + 8}), SUM)`,
        `rank 0 called Allreduce(Float64Array(${RABENSEIFNER_COUNT}), SUM)`,
      ),
      'ok',
    ],
  },
  {
    // Not a mismatch: the calls agree, and rank 1's recvbuf is too short. Its error travels
    // through Rabenseifner's steps (the fused round sees one call) to every rank.
    name: 'a recvbuf too short on one rank in an Allreduce by Rabenseifner',
    run: async (comm) => [
      await outcome(() =>
        comm.Allreduce(new Float64Array(RABENSEIFNER_COUNT).fill(1), new Float64Array(RABENSEIFNER_COUNT - (comm.rank === 1 ? 1 : 0))),
      ),
      await outcome(() => comm.barrier()),
    ],
    expect: () => [
      { code: 'ERR_BUFFER', contains: [`sendbuf has ${8 * RABENSEIFNER_COUNT} bytes but recvbuf ${8 * RABENSEIFNER_COUNT - 8}`] },
      'ok',
    ],
  },
  {
    // On one host every rank runs fused. Across hosts (np ≥ 3) the root of a 16 MiB Bcast
    // scatters (rendezvous-sized pieces waiting for the verdict) while the others run fused.
    name: 'Bcast of 16 MiB against Bcast of 16 bytes (across hosts: scatter-allgather against fused)',
    run: async (comm) => [
      await outcome(() => comm.Bcast(new Float64Array(comm.rank === 0 ? 2097152 : 2), 0)),
      await outcome(() => comm.Bcast(new Float64Array(2).fill(comm.rank), 0)),
    ],
    expect: () => [mismatch('rank 1 called Bcast(16 bytes, root 0)', 'rank 0 called Bcast(16777216 bytes, root 0)'), 'ok'],
  },
  {
    name: 'Bcast of different lengths',
    run: async (comm) => [await outcome(() => comm.Bcast(new Float64Array(comm.rank === 1 ? 3 : 2), 0))],
    expect: () => [mismatch('rank 1 called Bcast(24 bytes, root 0)', 'rank 0 called Bcast(16 bytes, root 0)')],
  },
  {
    name: 'a root out of range on one rank only',
    run: async (comm) => [await outcome(() => comm.bcast(1, comm.rank === 1 ? comm.size : 0))],
    expect: (size) => [{ code: 'ERR_ROOT', contains: [`root ${size} is out of range`] }],
  },
  {
    name: 'an object shaped like an error marker is data',
    run: async (comm) => {
      const check = (got: unknown): void => {
        if (JSON.stringify(got) !== JSON.stringify(FAKE_MARKER)) throw new Error(`received ${JSON.stringify(got)}`);
      };
      const results: string[] = [];
      results.push(await outcome(async () => check(await comm.bcast(comm.rank === 0 ? FAKE_MARKER : null, 0))));
      results.push(await outcome(async () => (await comm.allgather(FAKE_MARKER)).forEach(check)));
      results.push(
        await outcome(async () => check(await comm.scatter(comm.rank === 0 ? new Array(comm.size).fill(FAKE_MARKER) : null, 0))),
      );
      return results;
    },
    expect: () => ['ok', 'ok', 'ok'],
  },
  ...CALLS.map((mine, index) => {
    const theirs = CALLS[(index + 1) % CALLS.length]!;
    return {
      name: `${mine.label} against ${theirs.label}`,
      run: async (comm: Comm) => [
        await outcome(() => (comm.rank === comm.size - 1 ? mine.run(comm) : theirs.run(comm))),
        await outcome(() => comm.barrier()),
      ],
      expect: (size: number): Expected[] => [
        mismatch(`rank ${size - 1} called ${mine.call(size)}`, `rank 0 called ${theirs.call(size)}`),
        'ok',
      ],
    };
  }),
];

/**
 * Check the lines of test/fixtures/coll-mismatch.ts run at `np` through tsmpirun: every
 * case's expected outcome on every rank of the world, its Dup and (np ≥ 4) both halves of
 * the Split by rank parity, and no other line but one "done".
 */
export function checkMismatchLines(lines: readonly string[], np: number): void {
  // Rank 0 prints "done" after a barrier, but lines of different ranks reach tsmpirun through
  // different pipes: another rank's last line may come after it.
  assert.equal(lines.filter((line) => line === 'done').length, 1, lines.join('\n'));
  const seen = new Map<string, string>();
  for (const line of lines.filter((line) => line !== 'done')) {
    const [comm, name, index, rank, outcome] = line.split(' | ');
    assert.ok(outcome !== undefined, `unexpected line: ${line}`);
    seen.set(`${comm} | ${name} | ${index} | ${rank}`, outcome);
  }
  // The world, its Dup, and from np 4 the two halves of a Split by rank parity.
  const comms: [string, number][] = [
    ['world', np],
    ['dup', np],
  ];
  if (np >= 4) comms.push(['split0', Math.ceil(np / 2)], ['split1', Math.floor(np / 2)]);
  let expectedLines = 0;
  for (const [comm, size] of comms) {
    for (const test of CASES) {
      test.expect(size).forEach((expected, index) => {
        for (let rank = 0; rank < size; rank++) {
          const got = seen.get(`${comm} | ${test.name} | ${index} | ${rank}`);
          assert.ok(
            got !== undefined && fits(got, expected),
            `${comm}: ${test.name}, call ${index}, rank ${rank}: got ${got} where ${JSON.stringify(expected)} was expected`,
          );
          expectedLines++;
        }
      });
    }
  }
  assert.equal(seen.size, expectedLines);
}
