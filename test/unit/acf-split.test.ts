// The rank-remainder split of the top words among ranks (ACF.md section 9).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitRange } from '../../examples/lib/acf.js';

describe('splitRange', () => {
  it('matches the lesson for P = 1..5', () => {
    const expected: Record<number, [number, number][]> = {
      1: [[0, 16]],
      2: [
        [0, 8],
        [8, 16],
      ],
      3: [
        [0, 6],
        [6, 11],
        [11, 16],
      ],
      4: [
        [0, 4],
        [4, 8],
        [8, 12],
        [12, 16],
      ],
      5: [
        [0, 4],
        [4, 7],
        [7, 10],
        [10, 13],
        [13, 16],
      ],
    };
    for (const [size, ranges] of Object.entries(expected)) {
      assert.deepEqual(
        ranges.map((_, rank) => splitRange(16, Number(size), rank)),
        ranges,
        `P=${size}`,
      );
    }
  });

  it('covers 0..15 once, in rank order, balanced within one word, for P = 1..20', () => {
    for (let size = 1; size <= 20; size++) {
      let next = 0;
      const lengths: number[] = [];
      for (let rank = 0; rank < size; rank++) {
        const [first, last] = splitRange(16, size, rank);
        assert.equal(first, next, `P=${size} rank ${rank} starts where rank ${rank - 1} ended`);
        assert.ok(last >= first);
        lengths.push(last - first);
        next = last;
      }
      assert.equal(next, 16, `P=${size} covers all 16 words`);
      assert.ok(Math.max(...lengths) - Math.min(...lengths) <= 1, `P=${size}: ${lengths.join(',')}`);
      // Ranks from 16 on have no words.
      for (let rank = 16; rank < size; rank++) assert.equal(lengths[rank], 0, `P=${size} rank ${rank}`);
    }
  });

  it('is clipped by the slice when fewer words exist (ex2: np 4 gives rank 0 all 3 words)', () => {
    const top = ['a', 'b', 'c'];
    const slices = [0, 1, 2, 3].map((rank) => top.slice(...splitRange(16, 4, rank)));
    assert.deepEqual(slices, [['a', 'b', 'c'], [], [], []]);
  });

  it('works for other word counts (--nwords)', () => {
    assert.deepEqual(
      [0, 1, 2].map((rank) => splitRange(10, 3, rank)),
      [
        [0, 4],
        [4, 7],
        [7, 10],
      ],
    );
  });
});
