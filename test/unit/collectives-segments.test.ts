/**
 * The pure arithmetic of the large-message algorithms and of the choice between
 * algorithms: block cuts, the ring schedule, recursive halving with its fold-in, checked
 * symbolically (which ranks' contributions each piece holds) at every size 1..8 and some
 * larger ones, for awkward counts; select.ts and the override parser.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockRange, halvingSteps, mod, ringSchedule, type Range } from '../../src/collectives/segments.js';
import { ALGORITHMS, chooseAllreduce, chooseBcast, parseOverrides } from '../../src/collectives/select.js';
import { foldIn } from '../../src/collectives/tree.js';
import { MpiError } from '../../src/errors.js';
import { COLL_ENV_PREFIX, collectiveEnv } from '../../src/runtime/env.js';

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 33];
const COUNTS = [0, 1, 2, 7, 8, 9, 1000, 131073, 1000003];

test('blockRange: size blocks that tile [0, count) in order, lengths within one of each other', () => {
  for (const size of SIZES) {
    for (const count of COUNTS) {
      const blocks = Array.from({ length: size }, (_, index) => blockRange(index, size, count));
      assert.equal(blocks[0]?.lo, 0);
      assert.equal(blocks.at(-1)?.hi, count);
      blocks.forEach((block, index) => {
        if (index > 0) assert.equal(block.lo, blocks[index - 1]?.hi);
        const length = block.hi - block.lo;
        assert.ok(
          length === Math.floor(count / size) || length === Math.ceil(count / size),
          `size ${size} count ${count} block ${index}: ${length}`,
        );
      });
    }
  }
});

test('ringSchedule: what a rank sends is what its right neighbour expects; after reduce-scatter block rank+1 holds every rank; after allgather every rank holds every final block', () => {
  for (const size of SIZES) {
    const schedules = Array.from({ length: size }, (_, rank) => ringSchedule(rank, size));
    // held[rank][block] = set of ranks whose contribution it holds
    const held = Array.from({ length: size }, (_, rank) => Array.from({ length: size }, () => new Set([rank])));
    for (let step = 0; step < size - 1; step++) {
      const sends = schedules.map((schedule) => schedule.reduceScatter[step]!);
      const incoming = sends.map((_, rank) => new Set(held[mod(rank - 1, size)]![sends[mod(rank - 1, size)]!.send]!));
      sends.forEach((s, rank) => {
        assert.equal(schedules[mod(rank + 1, size)]!.reduceScatter[step]!.recv, s.send, `size ${size} step ${step} rank ${rank}`);
        const into = held[rank]![s.recv]!;
        for (const contributor of incoming[rank]!) {
          assert.ok(!into.has(contributor), `size ${size}: rank ${contributor} counted twice`);
          into.add(contributor);
        }
      });
    }
    const finals = held.map((blocks, rank) => blocks[mod(rank + 1, size)]!);
    for (const final of finals) assert.equal(final.size, size);
    const has = Array.from({ length: size }, (_, rank) => new Set([mod(rank + 1, size)]));
    for (let step = 0; step < size - 1; step++) {
      const sends = schedules.map((schedule) => schedule.allgather[step]!);
      sends.forEach((s, rank) => {
        assert.ok(has[rank]!.has(s.send), `size ${size}: rank ${rank} sends block ${s.send} before it has it`);
        assert.equal(schedules[mod(rank + 1, size)]!.allgather[step]!.recv, s.send);
      });
      sends.forEach((s, rank) => has[mod(rank + 1, size)]!.add(s.send));
    }
    for (const blocks of has) assert.equal(blocks.size, size);
  }
});

test('foldIn: folded ranks pair with the odd rank above; active numbers are 0..pof2-1 in rank order and map back', () => {
  for (const size of SIZES) {
    const roles = Array.from({ length: size }, (_, rank) => foldIn(rank, size));
    const active = roles.flatMap((role, rank) => (role.role === 'active' ? [{ rank, role }] : []));
    const pof2 = 2 ** Math.floor(Math.log2(size));
    assert.equal(active.length, pof2);
    active.forEach(({ rank, role }, index) => {
      assert.equal(role.active, index);
      assert.equal(role.pof2, pof2);
      assert.equal(role.original(index), rank);
    });
    roles.forEach((role, rank) => {
      if (role.role === 'folded') {
        const partner = roles[role.partner];
        assert.ok(partner?.role === 'active' && partner.partner === rank && role.partner === rank + 1);
      }
    });
  }
});

/** Ranks (original) a block of active ranks stands for, as a contiguous range. */
function span(activeLo: number, activeHi: number, size: number): Range {
  const original = (active: number): number => {
    for (let rank = 0; rank < size; rank++) {
      const r = foldIn(rank, size);
      if (r.role === 'active' && r.active === active) return rank;
    }
    throw new Error(`no active ${active}`);
  };
  const lo = original(activeLo);
  const hiRank = original(activeHi - 1);
  // the rank below an odd active rank may be folded into it
  const first = lo > 0 && foldIn(lo - 1, size).role === 'folded' ? lo - 1 : lo;
  return { lo: first, hi: hiRank + 1 };
}

test('halvingSteps: partners agree, keep/give tile the range, blocks stay contiguous in rank order, and the allgather reassembles every element', () => {
  for (const size of SIZES) {
    const pof2 = 2 ** Math.floor(Math.log2(size));
    for (const count of COUNTS) {
      const plans = Array.from({ length: pof2 }, (_, active) => halvingSteps(active, pof2, count));
      // Which active ranks' contributions each rank's kept piece holds: an aligned block [lo, hi).
      const blocks = Array.from({ length: pof2 }, (_, active) => ({ lo: active, hi: active + 1 }));
      let ranges: Range[] = Array.from({ length: pof2 }, () => ({ lo: 0, hi: count }));
      for (let index = 0; index < Math.log2(pof2); index++) {
        const steps = plans.map((plan) => plan[index]!);
        steps.forEach((step, active) => {
          const partner = steps[step.peer]!;
          assert.equal(partner.peer, active);
          assert.deepEqual(partner.keep, step.give, `size ${size} count ${count}: partners disagree`);
          assert.equal(partner.lower, !step.lower);
          const range = ranges[active]!;
          assert.deepEqual([Math.min(step.keep.lo, step.give.lo), Math.max(step.keep.hi, step.give.hi)], [range.lo, range.hi]);
          assert.equal(step.keep.hi - step.keep.lo + step.give.hi - step.give.lo, range.hi - range.lo);
          const mine = blocks[active]!;
          const theirs = blocks[step.peer]!;
          // op(lower block, higher block): the lower one ends where the higher one starts, in original ranks too.
          const [lower, higher] = step.lower ? [mine, theirs] : [theirs, mine];
          assert.equal(lower.hi, higher.lo);
          assert.equal(span(lower.lo, lower.hi, size).hi, span(higher.lo, higher.hi, size).lo);
        });
        steps.forEach((step, active) => {
          const theirs = blocks[step.peer]!;
          const mine = blocks[active]!;
          blocks[active] = { lo: Math.min(mine.lo, theirs.lo), hi: Math.max(mine.hi, theirs.hi) };
        });
        ranges = steps.map((step) => step.keep);
      }
      for (const block of blocks) assert.deepEqual(span(block.lo, block.hi, size), { lo: 0, hi: size });
      const sorted = [...ranges].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
      assert.equal(sorted[0]?.lo, 0);
      assert.equal(sorted.at(-1)?.hi, count);
      sorted.forEach((range, index) => index > 0 && assert.equal(range.lo, sorted[index - 1]?.hi));
      // The allgather runs the steps backwards: each rank sends exactly what it holds and ends with everything.
      let held = ranges;
      for (let index = Math.log2(pof2) - 1; index >= 0; index--) {
        const steps = plans.map((plan) => plan[index]!);
        steps.forEach((step, active) => assert.deepEqual(held[active], step.keep));
        held = steps.map((step) => ({ lo: Math.min(step.keep.lo, step.give.lo), hi: Math.max(step.keep.hi, step.give.hi) }));
      }
      for (const range of held) assert.deepEqual(range, { lo: 0, hi: count });
    }
  }
});

test('chooseAllreduce: user ops and non-typed values always take recursive doubling; large predefined reductions a segmented algorithm; overrides apply where they can', () => {
  for (const size of SIZES) {
    const big = { size, count: 2 ** 21, elementBytes: 8, builtin: true, commutative: true };
    assert.equal(chooseAllreduce({ ...big, builtin: false, commutative: false }), 'recursive-doubling');
    assert.equal(chooseAllreduce({ ...big, count: null }), 'recursive-doubling');
    assert.equal(chooseAllreduce({ ...big, count: 1 }), 'recursive-doubling');
    // Rabenseifner at every size: the ring only when forced (it was the slowest at np 3 and 6).
    assert.equal(chooseAllreduce(big), size === 1 ? 'recursive-doubling' : 'rabenseifner');
    for (const algorithm of ALGORITHMS.allreduce) {
      assert.equal(chooseAllreduce({ ...big, count: 1 }, { allreduce: algorithm }), size === 1 ? 'recursive-doubling' : algorithm);
      assert.equal(chooseAllreduce({ ...big, builtin: false, commutative: false }, { allreduce: algorithm }), 'recursive-doubling');
    }
    assert.equal(chooseAllreduce({ ...big, commutative: false }, { allreduce: 'ring' }), 'recursive-doubling');
    assert.equal(
      chooseAllreduce({ ...big, commutative: false }, { allreduce: 'rabenseifner' }),
      size === 1 ? 'recursive-doubling' : 'rabenseifner',
    );
  }
});

test('chooseBcast: binomial for small or non-typed values, overrides force either algorithm', () => {
  for (const size of SIZES) {
    for (const oneHost of [true, false]) {
      assert.equal(chooseBcast({ size, byteLength: null, oneHost }, { bcast: 'scatter-allgather' }), 'binomial');
      assert.equal(chooseBcast({ size, byteLength: 8, oneHost }), 'binomial');
      for (const algorithm of ALGORITHMS.bcast)
        assert.equal(chooseBcast({ size, byteLength: 8, oneHost }, { bcast: algorithm }), size === 1 ? 'binomial' : algorithm);
    }
  }
});

test('chooseBcast: the binomial tree at every size on one host; across hosts scatter-allgather from 16 MiB at np 3-4, 8 MiB from np 5', () => {
  const MiB = 1024 * 1024;
  for (const size of SIZES) {
    const from = size <= 2 ? Infinity : size <= 4 ? 16 * MiB : 8 * MiB;
    for (const byteLength of [MiB, 8 * MiB - 1, 8 * MiB, 16 * MiB - 1, 16 * MiB, 64 * MiB, 2 ** 31]) {
      assert.equal(chooseBcast({ size, byteLength, oneHost: true }), 'binomial', `np ${size}, ${byteLength} bytes, one host`);
      const across = byteLength >= from ? 'scatter-allgather' : 'binomial';
      assert.equal(chooseBcast({ size, byteLength, oneHost: false }), across, `np ${size}, ${byteLength} bytes, several hosts`);
    }
  }
});

test('parseOverrides: TSMPI_COLL_<NAME>=<algorithm>, case-insensitive names, auto; unknown names rejected with the valid ones listed', () => {
  const parse = (variables: Record<string, string>): unknown => parseOverrides(variables, COLL_ENV_PREFIX);
  assert.deepEqual(parse({}), {});
  assert.deepEqual(parse({ TSMPI_COLL_ALLREDUCE: 'ring', TSMPI_COLL_Bcast: 'scatter-allgather', OTHER: 'x' }), {
    allreduce: 'ring',
    bcast: 'scatter-allgather',
  });
  assert.deepEqual(parse({ TSMPI_COLL_ALLREDUCE: 'auto', TSMPI_COLL_BCAST: '' }), {});
  const rejects = (variables: Record<string, string>, pattern: RegExp): void => {
    assert.throws(
      () => parse(variables),
      (error: unknown) => error instanceof MpiError && error.code === 'ERR_ARG' && pattern.test(error.message),
    );
  };
  rejects({ TSMPI_COLL_ALLREDUCE: 'bogus' }, /TSMPI_COLL_ALLREDUCE=bogus .*valid: recursive-doubling, rabenseifner, ring, auto/);
  rejects({ TSMPI_COLL_BCAST: 'ring' }, /valid: binomial, scatter-allgather, auto/);
  rejects({ TSMPI_COLL_ALLREDUSE: 'ring' }, /TSMPI_COLL_ALLREDUSE .*valid: TSMPI_COLL_ALLREDUCE, TSMPI_COLL_BCAST/);
});

test('collectiveEnv: picks exactly the TSMPI_COLL_* variables tsmpirun forwards', () => {
  assert.deepEqual(
    collectiveEnv({ TSMPI_COLL_ALLREDUCE: 'ring', TSMPI_COLL_BCAST: 'binomial', TSMPI_RANK: '0', PATH: '/bin', TSMPI_COLLX: 'y' }),
    {
      TSMPI_COLL_ALLREDUCE: 'ring',
      TSMPI_COLL_BCAST: 'binomial',
    },
  );
});
