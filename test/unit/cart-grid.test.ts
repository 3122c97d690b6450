// Cartesian grid arithmetic (pure): Compute_dims, coordinates, ranks, open and periodic ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkShape, coordsOf, rankAt } from '../../src/comm/cart-grid.js';
import { Compute_dims, MpiError, PROC_NULL } from '../../src/index.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof MpiError && error.code === code;

describe('Compute_dims', () => {
  it('gives the balanced factorisations MPI gives, largest first', () => {
    assert.deepEqual(Compute_dims(12, 2), [4, 3]);
    assert.deepEqual(Compute_dims(16, 3), [4, 2, 2]);
    assert.deepEqual(Compute_dims(6, 2), [3, 2]);
    assert.deepEqual(Compute_dims(7, 2), [7, 1]);
    assert.deepEqual(Compute_dims(1, 3), [1, 1, 1]);
    assert.deepEqual(Compute_dims(36, 2), [6, 6]);
    assert.deepEqual(Compute_dims(8, [0, 2, 0]), [2, 2, 2]);
    assert.deepEqual(Compute_dims(24, [0, 3]), [8, 3]);
    assert.deepEqual(Compute_dims(4, [2, 2]), [2, 2]);
  });

  it('for every n up to 64 and 1..3 dims: the product is n and the dims do not increase', () => {
    for (let n = 1; n <= 64; n++) {
      for (let ndims = 1; ndims <= 3; ndims++) {
        const dims = Compute_dims(n, ndims);
        assert.equal(dims.length, ndims);
        assert.equal(
          dims.reduce((a, b) => a * b, 1),
          n,
        );
        for (let i = 1; i < ndims; i++) assert.ok((dims[i - 1] ?? 0) >= (dims[i] ?? 0), `${n} ${dims}`);
      }
    }
  });

  it('rejects what cannot be done', () => {
    assert.throws(() => Compute_dims(0, 2), rejectsWith('ERR_ARG'));
    assert.throws(() => Compute_dims(10, [3, 0]), rejectsWith('ERR_ARG'));
    assert.throws(() => Compute_dims(4, [2, 3]), rejectsWith('ERR_ARG'));
    assert.throws(() => Compute_dims(4, 0), rejectsWith('ERR_ARG'));
  });
});

describe('grid coordinates', () => {
  const shape = checkShape('test', [2, 3, 4], [true, false, true], 24);

  it('round-trips every rank, row-major', () => {
    for (let rank = 0; rank < 24; rank++) {
      const coords = coordsOf(shape, rank);
      assert.equal(rankAt(shape, coords), rank);
      assert.equal((coords[0] ?? 0) * 12 + (coords[1] ?? 0) * 4 + (coords[2] ?? 0), rank);
    }
  });

  it('wraps periodic dimensions and gives PROC_NULL past open ones', () => {
    assert.equal(rankAt(shape, [2, 0, 0]), 0);
    assert.equal(rankAt(shape, [-1, 0, -1]), 15);
    assert.equal(rankAt(shape, [0, 3, 0]), PROC_NULL);
    assert.equal(rankAt(shape, [0, -1, 0]), PROC_NULL);
  });

  it('checks shapes', () => {
    assert.deepEqual(checkShape('t', [3], undefined, 4), { dims: [3], periods: [false] });
    assert.throws(() => checkShape('t', [], undefined, 4), rejectsWith('ERR_ARG'));
    assert.throws(() => checkShape('t', [2.5], undefined, 4), rejectsWith('ERR_ARG'));
    assert.throws(() => checkShape('t', [5], undefined, 4), rejectsWith('ERR_ARG'));
    assert.throws(() => checkShape('t', [2], [1], 4), rejectsWith('ERR_ARG'));
  });
});
