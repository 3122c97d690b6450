import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MpiError } from '../../src/errors.js';
import {
  BAND,
  BOR,
  BXOR,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  PROD,
  SUM,
  checkOp,
  combine,
  kernelFor,
  type Op,
} from '../../src/ops/ops.js';

const c = (op: Op, a: unknown, b: unknown): unknown => combine(op, a, b, 'test');

function rejects(op: Op, a: unknown, b: unknown): void {
  assert.throws(
    () => c(op, a, b),
    (error: unknown) => error instanceof MpiError && error.code === 'ERR_OP' && error.message.startsWith('test: '),
  );
}

test('arithmetic ops on numbers and bigints', () => {
  assert.equal(c(SUM, 2, 3), 5);
  assert.equal(c(SUM, 2n, 3n), 5n);
  assert.equal(c(PROD, 2, 3), 6);
  assert.equal(c(MAX, -1, 3), 3);
  assert.equal(c(MIN, 5n, -3n), -3n);
  rejects(SUM, 1, 1n);
  rejects(SUM, 'a', 'b');
  rejects(MAX, true, false);
});

test('logical ops give booleans; bitwise ops need integers', () => {
  assert.equal(c(LAND, true, false), false);
  assert.equal(c(LOR, 0, 2), true);
  assert.equal(c(LXOR, true, true), false);
  assert.equal(c(BAND, 0b1100, 0b1010), 0b1000);
  assert.equal(c(BOR, 0b1100, 0b1010), 0b1110);
  assert.equal(c(BXOR, 0b1100n, 0b1010n), 0b0110n);
  assert.equal(c(BOR, 2 ** 40, 1), 2 ** 40 + 1); // beyond 32 bits
  rejects(BAND, 1.5, 1);
  rejects(BAND, 1, 1n);
  rejects(LAND, 'x', true);
});

test('elementwise on arrays and typed arrays, without touching the inputs', () => {
  assert.deepEqual(c(SUM, [1, [2, 3]], [10, [20, 30]]), [11, [22, 33]]);
  const a = new Float64Array([1, 2]);
  const b = new Float64Array([0.5, 0.25]);
  const out = c(SUM, a, b);
  assert.ok(out instanceof Float64Array);
  assert.deepEqual([...out], [1.5, 2.25]);
  assert.deepEqual([...a], [1, 2]);
  assert.deepEqual([...(c(MAX, new Int32Array([1, 9]), new Int32Array([5, 2])) as Int32Array)], [5, 9]);
  assert.deepEqual([...(c(BXOR, new Uint8Array([3]), new Uint8Array([5])) as Uint8Array)], [6]);
  assert.deepEqual([...(c(SUM, new BigInt64Array([1n]), new BigInt64Array([2n])) as BigInt64Array)], [3n]);
  rejects(SUM, [1, 2], [1]);
  rejects(SUM, new Float64Array(2), new Float64Array(3));
  rejects(SUM, new Float64Array(2), new Float32Array(2));
  rejects(SUM, new Float64Array(2), [1, 2]);
  rejects(LAND, new Uint8Array(1), new Uint8Array(1));
});

test('MAXLOC and MINLOC on pairs, ties to the lowest index', () => {
  assert.deepEqual(c(MAXLOC, [3, 1], [5, 0]), [5, 0]);
  assert.deepEqual(c(MAXLOC, [5, 4], [5, 2]), [5, 2]);
  assert.deepEqual(c(MINLOC, [5, 4], [5, 2]), [5, 2]);
  assert.deepEqual(c(MINLOC, [1, 7], [5, 2]), [1, 7]);
  assert.deepEqual(
    c(
      MAXLOC,
      [
        [1, 0],
        [9, 0],
      ],
      [
        [2, 1],
        [3, 1],
      ],
    ),
    [
      [2, 1],
      [9, 0],
    ],
  );
  rejects(MAXLOC, 3, 4);
  rejects(MAXLOC, [1, 2, 3], [1, 2, 3]);
});

test('user ops: applied as op(a, b); a throw becomes ERR_OP with the cause', () => {
  assert.equal(
    c((a: string, b: string) => a + b, 'x', 'y'),
    'xy',
  );
  assert.throws(
    () =>
      c(
        () => {
          throw new Error('boom');
        },
        1,
        2,
      ),
    (error: unknown) => error instanceof MpiError && error.code === 'ERR_OP' && error.cause instanceof Error,
  );
});

test('checkOp accepts ops and functions only', () => {
  assert.equal(checkOp('reduce', SUM), SUM);
  assert.throws(
    () => checkOp('reduce', 'SUM'),
    (error: unknown) => error instanceof MpiError && error.code === 'ERR_OP',
  );
});

/** Every element type that is not bigint: each has its own loops for SUM PROD MAX MIN. */
const KERNEL_TYPES = [
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
] as const;

test('typed SUM PROD MAX MIN: every length (the loops take eight elements a turn), element types, in place, NaN and -0 as one element at a time', () => {
  const scalar: Record<string, (x: number, y: number) => number> = {
    SUM: (x, y) => x + y,
    PROD: (x, y) => x * y,
    MAX: (x, y) => Math.max(x, y),
    MIN: (x, y) => Math.min(x, y),
  };
  const ops: [string, Op][] = [
    ['SUM', SUM],
    ['PROD', PROD],
    ['MAX', MAX],
    ['MIN', MIN],
  ];
  const specials = [Number.NaN, -0, 0, 1.5, -2.25, Number.POSITIVE_INFINITY];
  for (const Type of KERNEL_TYPES) {
    for (let n = 0; n <= 19; n++) {
      const a = new Type(n);
      const b = new Type(n);
      for (let i = 0; i < n; i++) {
        a[i] = (specials[i % specials.length] as number) * (Type === Float64Array || Type === Float32Array ? 1 : 0) + i;
        b[i] = (specials[(i * 5 + 1) % specials.length] as number) * (Type === Float64Array || Type === Float32Array ? 1 : 0) - 2 * i;
      }
      for (const [name, op] of ops) {
        const want = new Type(n);
        for (let i = 0; i < n; i++) want[i] = (scalar[name] as (x: number, y: number) => number)(a[i] as number, b[i] as number);
        const got = combine(op, a, b, 'test') as InstanceType<typeof Type>;
        assert.ok(got instanceof Type);
        assert.deepEqual([...got].map(Object.is.bind(null, 0)), [...want].map(Object.is.bind(null, 0)), `${name} ${Type.name} n=${n}: -0`);
        assert.deepEqual([...got], [...want], `${name} ${Type.name} n=${n}`);
        const inPlace = Type.from(b);
        combine(op, a, inPlace, 'test', inPlace);
        assert.deepEqual([...inPlace], [...want], `${name} ${Type.name} n=${n} into the second operand`);
      }
    }
  }
});

test("kernelFor: one loop per element type and op, made once (a loop shared by types runs through V8's generic path)", () => {
  const seen = new Set<unknown>();
  for (const Type of KERNEL_TYPES) {
    for (const op of [SUM, PROD, MAX, MIN]) {
      const kernel = kernelFor(Type, op);
      assert.ok(kernel !== null, `${op.name} over ${Type.name}`);
      assert.equal(kernelFor(Type, op), kernel, `${op.name} over ${Type.name} is made once`);
      assert.ok(!seen.has(kernel), `${op.name} over ${Type.name} has a loop of its own`);
      seen.add(kernel);
      // Its own source text, too: V8 shares what it learned between functions compiled from one text.
      assert.match(String(kernel), new RegExp(`${op.name} over ${Type.name}\\b`));
    }
  }
  assert.equal(new Set([...seen].map(String)).size, seen.size);
  assert.equal(kernelFor(BigInt64Array, SUM), null);
  assert.equal(kernelFor(Float64Array, BAND), null);
  class Doubles extends Float64Array {}
  assert.equal(kernelFor(Doubles, SUM), null);
  // Ops without a kernel still combine, element by element.
  assert.deepEqual([...(combine(BAND, new Int32Array([6, 3]), new Int32Array([3, 5]), 'test') as Int32Array)], [2, 1]);
  assert.deepEqual([...(combine(SUM, new BigInt64Array([1n, 2n]), new BigInt64Array([3n, 4n]), 'test') as BigInt64Array)], [4n, 6n]);
});

test('typed ops still combine where Node forbids compiling code from text (no kernels then)', () => {
  const ops = new URL('../../src/ops/ops.js', import.meta.url).href;
  const script = `const { SUM, MAX, combine, kernelFor } = await import(${JSON.stringify(ops)});
    if (kernelFor(Float64Array, SUM) !== null) throw new Error('a kernel was compiled');
    const sum = combine(SUM, new Float64Array([1, 2.5]), new Float64Array([3, -0.5]), 'test');
    const max = combine(MAX, new Int32Array([1, 7]), new Int32Array([4, 2]), 'test');
    console.log(JSON.stringify([[...sum], [...max]]));`;
  const result = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '[[4,2],[4,7]]');
});

test('a kernel stays compiled across calls (V8 does not deoptimize it call after call)', () => {
  // The leftover loop used to come after the hot one: V8 compiled the hot loop on stack
  // replacement, then left the compiled code at the leftover loop's comparison (no type
  // feedback yet) call after call, and compiled it again. Counted with --trace-deopt, which
  // names the reason; no timing involved.
  const ops = new URL('../../src/ops/ops.js', import.meta.url).href;
  const script = `const { SUM, kernelFor } = await import(${JSON.stringify(ops)});
    const kernel = kernelFor(Float64Array, SUM);
    const a = new Float64Array(98304).fill(1.5), b = new Float64Array(98304).fill(2.5);
    for (let call = 0; call < 300; call++) kernel(a, b, a);
    if (a[0] !== 1.5 + 300 * 2.5) throw new Error('wrong sum ' + a[0]);`;
  const result = spawnSync(process.execPath, ['--trace-deopt', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const bailouts = result.stdout.split('\n').filter((line) => line.startsWith('[bailout')).length;
  assert.ok(bailouts <= 3, `${bailouts} deoptimizations in 300 calls:\n${result.stdout.slice(0, 2000)}`);
});
