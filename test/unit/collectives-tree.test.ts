import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  absolute,
  binomialChildren,
  binomialParent,
  ceilLog2,
  doublingPlan,
  floorPow2,
  relative,
  subtreeSize,
} from '../../src/collectives/tree.js';

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 16, 33, 64];

test('ceilLog2 and floorPow2', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 8, 9, 64, 65].map(ceilLog2), [0, 1, 2, 2, 3, 3, 4, 6, 7]);
  assert.deepEqual([1, 2, 3, 4, 5, 8, 9, 64, 65].map(floorPow2), [1, 2, 2, 4, 4, 8, 8, 64, 64]);
});

test('relative and absolute ranks are inverse for every root', () => {
  for (const size of SIZES) {
    for (let root = 0; root < size; root++) {
      for (let rank = 0; rank < size; rank++) assert.equal(absolute(relative(rank, root, size), root, size), rank);
      assert.equal(relative(root, root, size), 0);
    }
  }
});

test('binomial tree: parents and children agree, subtrees tile the ranks, depth and root fan-out are ⌈log2 p⌉', () => {
  for (const size of SIZES) {
    assert.equal(binomialChildren(0, size).length, ceilLog2(size));
    for (let vrank = 0; vrank < size; vrank++) {
      const children = binomialChildren(vrank, size);
      for (const child of children) assert.equal(binomialParent(child), vrank);
      // The subtree of vrank is itself followed by its children's subtrees, contiguous and in order.
      let next = vrank + 1;
      for (const child of children) {
        assert.equal(child, next);
        next += subtreeSize(child, size);
      }
      assert.equal(next, vrank + subtreeSize(vrank, size));
      let depth = 0;
      for (let v = vrank; v !== 0; v = binomialParent(v)) depth++;
      assert.ok(depth <= ceilLog2(size));
    }
    assert.equal(subtreeSize(0, size), size);
    assert.equal(binomialParent(0), -1);
  }
});

test('recursive doubling plan: partners are symmetric and blocks stay in rank order', () => {
  for (const size of SIZES) {
    const plans = Array.from({ length: size }, (_, rank) => doublingPlan(rank, size));
    const extra = size - floorPow2(size);
    // Simulate: each active rank's block as [lo, hi] of original ranks.
    const blocks = new Map<number, [number, number]>();
    plans.forEach((plan, rank) => {
      if (plan.role === 'folded') {
        assert.ok(rank < 2 * extra && rank % 2 === 0);
        assert.equal(plans[plan.partner]!.partner, rank);
      } else {
        blocks.set(rank, plan.partner >= 0 ? [plan.partner, rank] : [rank, rank]);
        assert.equal(plan.exchanges.length, Math.log2(floorPow2(size)));
      }
    });
    for (let round = 0; round < Math.log2(floorPow2(size)); round++) {
      const next = new Map<number, [number, number]>();
      for (const [rank, [lo, hi]] of blocks) {
        const { peer, lower } = plans[rank]!.exchanges[round]!;
        const other = plans[peer]!.exchanges[round]!;
        assert.equal(other.peer, rank);
        assert.equal(other.lower, !lower);
        const [plo, phi] = blocks.get(peer)!;
        if (lower) assert.equal(hi + 1, plo);
        else assert.equal(phi + 1, lo);
        next.set(rank, [Math.min(lo, plo), Math.max(hi, phi)]);
      }
      blocks.clear();
      for (const [rank, block] of next) blocks.set(rank, block);
    }
    for (const block of blocks.values()) assert.deepEqual(block, [0, size - 1]);
  }
});
