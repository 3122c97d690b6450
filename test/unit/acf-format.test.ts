// Number formatting of the word-count and ACF files: Python's float repr and C's %.18e.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printfE18, pyFloat } from '../../examples/lib/format.js';

describe('pyFloat (Python repr)', () => {
  // Expected strings printed by CPython 3.11's repr().
  const cases: [number, string][] = [
    [30, '30.0'],
    [100, '100.0'],
    [5.555555555555555, '5.555555555555555'],
    [11.11111111111111, '11.11111111111111'],
    [9.090909090909092, '9.090909090909092'],
    [3.962558502340094, '3.962558502340094'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [9.999999999999999e-5, '9.999999999999999e-05'],
    [1e-5, '1e-05'],
    [2.5e-5, '2.5e-05'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1e15 + 0.5, '1000000000000000.5'],
    [12345.678, '12345.678'],
    [0, '0.0'],
    [-2.5, '-2.5'],
    [NaN, 'nan'],
  ];
  for (const [value, expected] of cases) {
    it(`${expected}`, () => assert.equal(pyFloat(value), expected));
  }
});

describe('printfE18 (C %.18e)', () => {
  // Expected strings printed by CPython's '%.18e' % x (glibc).
  const cases: [number, string][] = [
    [1, '1.000000000000000000e+00'],
    [0, '0.000000000000000000e+00'],
    [0.1, '1.000000000000000056e-01'],
    [1 / 3, '3.333333333333333148e-01'],
    [20 / 21, '9.523809523809523281e-01'],
    [5e-324, '4.940656458412465442e-324'],
    [1.7976931348623157e308, '1.797693134862315708e+308'],
    [123456.789, '1.234567890000000043e+05'],
    [0.5 ** 60, '8.673617379884035472e-19'],
    [2.5e-5, '2.500000000000000120e-05'],
    [1e22, '1.000000000000000000e+22'],
    [1e-7, '9.999999999999999547e-08'],
    [0.9999999999999999, '9.999999999999998890e-01'],
    // An exact tie at the 20th digit: glibc rounds to even, JavaScript's toExponential rounds up (…063e-9).
    [2 ** -28, '3.725290298461914062e-09'],
    [73184649739414.45, '7.318464973941445312e+13'], // exactly ...4453125: another tie
    [NaN, 'nan'],
  ];
  for (const [value, expected] of cases) {
    it(`${expected}`, () => assert.equal(printfE18(value), expected));
  }

  it('agrees with toExponential(18) (exponent padded) away from ties', () => {
    let state = 12345;
    const random = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    for (let index = 0; index < 2000; index++) {
      // Dividing by 7 fills the mantissa, so the exact decimal expansion is long: no ties.
      const value = ((random() + random() * 2 ** -26) / 7) * 10 ** Math.floor(random() * 30 - 20);
      const js = value.toExponential(18).replace(/e([+-])(\d)$/, 'e$10$2');
      assert.equal(printfE18(value), js, String(value));
    }
  });
});
