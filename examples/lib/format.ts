/**
 * Number formatting that matches the lesson's Python output byte for byte.
 *
 * - `pyFloat(x)`: Python's `str(float)` / `repr` (used for the `.dat` percentages).
 * - `printfE18(x)`: C's `printf("%.18e")`, which numpy's `savetxt` uses for the ACF file.
 */

/**
 * Python's float repr: the shortest digits that read back as the same double (JavaScript
 * finds the same digits), but whole numbers keep `.0` and scientific notation is used
 * below 1e-4 and from 1e16 on, written `1e-05` / `2.5e-05` (JavaScript: `0.00001`).
 * @example pyFloat(30) === '30.0'; pyFloat(2.5e-5) === '2.5e-05'
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits: "d.ddde±x".
  const [mantissa = '', exponentText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    return `${sign}${head}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits.padEnd(exponent + 1, '0')}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

const TEN = 10n;

/**
 * C's `printf("%.18e", x)`, computed exactly from the double's bits with round-half-even
 * (what glibc does). `x.toExponential(18)` gives the same digits except on an exact tie at
 * the 20th significant digit, where JavaScript rounds up (2^-28 is such a number), and it
 * writes `e-9` where C writes `e-09`; doing it exactly removes both differences.
 * @example printfE18(1) === '1.000000000000000000e+00'
 */
export function printfE18(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0.${'0'.repeat(18)}e+00`;
  // x = mantissa * 2^power exactly.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = (biased === 0 ? 1 : biased) - 1075;
  // Decimal exponent of the leading digit; the shortest repr never crosses a power of ten.
  let exponent = Number(Math.abs(x).toExponential().split('e')[1]);
  for (;;) {
    // scaled = |x| * 10^(18 - exponent) as numerator / denominator.
    const shift = 18 - exponent;
    let numerator = mantissa * (power > 0 ? 1n << BigInt(power) : 1n);
    let denominator = power < 0 ? 1n << BigInt(-power) : 1n;
    if (shift >= 0) numerator *= TEN ** BigInt(shift);
    else denominator *= TEN ** BigInt(-shift);
    let quotient = numerator / denominator;
    const remainder = numerator % denominator;
    if (quotient < TEN ** 18n) {
      exponent -= 1;
      continue;
    }
    if (quotient >= TEN ** 19n) {
      exponent += 1;
      continue;
    }
    const twice = remainder * 2n;
    if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n;
    if (quotient === TEN ** 19n) {
      quotient = TEN ** 18n;
      exponent += 1;
    }
    const digits = quotient.toString();
    const exponentText = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${digits[0]}.${digits.slice(1)}e${exponentText}`;
  }
}
