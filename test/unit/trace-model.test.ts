// The α–β prediction tsmpi-trace prints beside each collective call (launcher/report/model.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { predict, type CollectiveCall } from '../../launcher/report/model.js';

const fit = { alpha: 100, beta: 0.01, small: 10, large: 10, how: 'test' };
function call(algorithm: string, ranks: number, bytes: number, agreement: boolean): CollectiveCall {
  return { label: 'x #1', comm: 'world', name: 'x', algorithm, root: 0, ranks, start: 0, end: 1, bytes, messages: 1, rounds: 1, agreement };
}

describe('the α–β model of a collective call', () => {
  it('a tree takes ⌈log₂ p⌉ steps of α + nβ, plus ⌈log₂ p⌉α only for a separate agreement round', () => {
    // p = 5: three steps; n = 1000 bytes: α + nβ = 110 µs.
    assert.deepEqual(predict(call('binomial', 5, 1000, false), fit), { formula: '⌈log₂p⌉(α + nβ)', us: 330 });
    assert.deepEqual(predict(call('binomial', 5, 1000, true), fit), { formula: '⌈log₂p⌉(α + nβ) + ⌈log₂p⌉α', us: 630 });
  });

  it('a loop at the root takes p − 1 steps; the ring 2(p − 1) steps of n/p', () => {
    assert.equal(predict(call('linear', 4, 1000, true), fit).us, 3 * 110 + 2 * 100);
    assert.equal(predict(call('ring', 4, 4000, false), fit).us, 6 * (100 + 10));
  });

  it('says so for an algorithm it has no model of', () => {
    assert.deepEqual(predict(call('something-else', 4, 8, true), fit), { formula: 'no model', us: null });
  });
});
