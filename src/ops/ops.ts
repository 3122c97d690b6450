/**
 * Reduction operators (MPI_Op): the predefined `SUM PROD MAX MIN LAND LOR LXOR BAND BOR
 * BXOR MAXLOC MINLOC`, and any `(a, b) => c` function as a user op.
 *
 * What a predefined op accepts:
 * - numbers with numbers, bigints with bigints (never mixed); booleans for the logical ops
 *   (`LAND LOR LXOR` also take numbers and bigints by truthiness, like C, and give booleans);
 * - the bitwise ops take integers: numbers must be safe integers, bigints anything;
 * - elementwise: two arrays, or two typed arrays of the same element type, of equal length
 *   (arrays may nest); a typed-array result is a fresh typed array of that type;
 * - `MAXLOC`/`MINLOC` take `[value, index]` pairs (or arrays of pairs) and break ties
 *   towards the lower index, as MPI does.
 * Anything else fails with `ERR_OP`.
 *
 * Order: every collective combines contributions in rank order, `op(lower ranks, higher
 * ranks)`, with a fixed grouping for a given communicator size (and root), so results
 * are bit-for-bit reproducible and a user op need not be commutative. It must be
 * associative (as in MPI); a floating-point SUM is "associative enough" and its bits
 * depend only on the size of the communicator and, for `reduce`, on the root.
 */
import { MpiError } from '../errors.js';

/** A predefined reduction operator. Compare with `===` against the exported constants. */
export class ReduceOp {
  /** @internal */
  constructor(
    /** The MPI name, e.g. `'SUM'`. */
    readonly name: string,
    /** @internal combine two scalars (already checked to be of one kind) */
    readonly scalar: (a: unknown, b: unknown, where: string) => unknown,
  ) {}

  toString(): string {
    return `MPI.${this.name}`;
  }
}

/** A user reduction: `(a, b) => c`, applied as `op(lower ranks' value, higher ranks' value)`. */
export type UserOp = (a: never, b: never) => unknown;

/** A reduction operator: one of the predefined constants or a user function. */
export type Op = ReduceOp | UserOp;

function fail(where: string, what: string): never {
  throw new MpiError('ERR_OP', `${where}: ${what}`);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  return typeof value;
}

type Num = number | bigint;

/** Arithmetic op on two numbers or two bigints. */
function arithmetic(name: string, f: (a: number, b: number) => number, g: (a: bigint, b: bigint) => bigint): ReduceOp {
  return new ReduceOp(name, (a, b, where) => {
    if (typeof a === 'number' && typeof b === 'number') return f(a, b);
    if (typeof a === 'bigint' && typeof b === 'bigint') return g(a, b);
    return fail(where, `${name} needs two numbers or two bigints (got ${kind(a)} and ${kind(b)})`);
  });
}

function truth(name: string, value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value !== 0 && value !== 0n;
  return fail(where, `${name} needs booleans or numbers (got ${kind(value)})`);
}

function logical(name: string, f: (a: boolean, b: boolean) => boolean): ReduceOp {
  return new ReduceOp(name, (a, b, where) => f(truth(name, a, where), truth(name, b, where)));
}

function integer(name: string, value: unknown, where: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return fail(where, `${name} needs integers (got ${typeof value === 'number' ? value : kind(value)})`);
}

function bitwise(name: string, f: (a: bigint, b: bigint) => bigint): ReduceOp {
  return new ReduceOp(name, (a, b, where) => {
    if (typeof a !== typeof b) return fail(where, `${name} needs two numbers or two bigints (got ${kind(a)} and ${kind(b)})`);
    const result = f(integer(name, a, where), integer(name, b, where));
    return typeof a === 'bigint' ? result : Number(result);
  });
}

function pair(name: string, value: unknown, where: string): [Num, number] {
  if (Array.isArray(value) && value.length === 2) {
    const [v, index] = value as [unknown, unknown];
    if ((typeof v === 'number' || typeof v === 'bigint') && typeof index === 'number') return [v, index];
  }
  return fail(where, `${name} needs [value, index] pairs (got ${kind(value)})`);
}

function location(name: string, better: (a: Num, b: Num) => boolean): ReduceOp {
  return new ReduceOp(name, (a, b, where) => {
    const [va, ia] = pair(name, a, where);
    const [vb, ib] = pair(name, b, where);
    if (typeof va !== typeof vb) return fail(where, `${name} needs values of one type (got ${typeof va} and ${typeof vb})`);
    if (better(va, vb)) return [va, ia];
    if (better(vb, va)) return [vb, ib];
    return ia <= ib ? [va, ia] : [vb, ib];
  });
}

/** Sum (MPI_SUM). */
export const SUM = arithmetic(
  'SUM',
  (a, b) => a + b,
  (a, b) => a + b,
);
/** Product (MPI_PROD). */
export const PROD = arithmetic(
  'PROD',
  (a, b) => a * b,
  (a, b) => a * b,
);
/** Maximum (MPI_MAX); NaN wins, as with `Math.max`. */
export const MAX = arithmetic(
  'MAX',
  (a, b) => Math.max(a, b),
  (a, b) => (a >= b ? a : b),
);
/** Minimum (MPI_MIN); NaN wins, as with `Math.min`. */
export const MIN = arithmetic(
  'MIN',
  (a, b) => Math.min(a, b),
  (a, b) => (a <= b ? a : b),
);
/** Logical and (MPI_LAND), gives a boolean. */
export const LAND = logical('LAND', (a, b) => a && b);
/** Logical or (MPI_LOR), gives a boolean. */
export const LOR = logical('LOR', (a, b) => a || b);
/** Logical exclusive or (MPI_LXOR), gives a boolean. */
export const LXOR = logical('LXOR', (a, b) => a !== b);
/** Bitwise and (MPI_BAND) of integers. */
export const BAND = bitwise('BAND', (a, b) => a & b);
/** Bitwise or (MPI_BOR) of integers. */
export const BOR = bitwise('BOR', (a, b) => a | b);
/** Bitwise exclusive or (MPI_BXOR) of integers. */
export const BXOR = bitwise('BXOR', (a, b) => a ^ b);
/** `[value, index]` of the maximum, lowest index on ties (MPI_MAXLOC). */
export const MAXLOC = location('MAXLOC', (a, b) => a > b);
/** `[value, index]` of the minimum, lowest index on ties (MPI_MINLOC). */
export const MINLOC = location('MINLOC', (a, b) => a < b);

/** The predefined ops by name. */
export const OPS: Readonly<Record<string, ReduceOp>> = { SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR, MAXLOC, MINLOC };

/**
 * Check that `op` is an op, at a collective's public boundary.
 * @throws ERR_OP
 */
export function checkOp(where: string, op: unknown): Op {
  if (op instanceof ReduceOp || typeof op === 'function') return op as Op;
  return fail(where, `op must be one of SUM PROD MAX MIN LAND LOR LXOR BAND BOR BXOR MAXLOC MINLOC or a function (got ${kind(op)})`);
}

type Typed = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

/** `out[i] = op(a[i], b[i])` for every i, over typed arrays of one element type and length. */
export type Kernel = (a: Typed, b: Typed, out: Typed) => void;

/** Each predefined op with a typed-array kernel, as an expression of one element pair `{a}`, `{b}`. */
const KERNEL_EXPRESSIONS: ReadonlyMap<ReduceOp, string> = new Map([
  [SUM, '{a} + {b}'],
  [PROD, '{a} * {b}'],
  [MAX, 'Math.max({a}, {b})'],
  [MIN, 'Math.min({a}, {b})'],
]);

/**
 * Elements per turn of a kernel's loop. Measured for a Float64Array SUM (Node 20, this 2-core
 * VM): one a turn 2.9 ns per element, four 2.0 ns, eight 1.4 ns, sixteen 1.5 ns (a 1 MiB
 * SUM: 560, 260 and 185 µs for one, four and eight).
 */
const LANES = 8;

/**
 * The kernels made so far, by element type and op; only the types listed have kernels (the
 * bigint ones go element by element through the op).
 */
const kernels: ReadonlyMap<unknown, Map<ReduceOp, Kernel | null>> = new Map(
  [Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray].map((Type) => [
    Type,
    new Map(),
  ]),
);

/**
 * The loop of predefined `op` over typed arrays made by `Type`, or null when there is none
 * (other ops, bigint arrays). One function per element type and op, made on first use and
 * kept: V8 specialises a loop to the element type it has seen, and a single loop shared by
 * several types was measured 50× slower (a 1 MiB Float64Array SUM took 17 ms instead of
 * 0.3 ms) once a program had reduced a few types, because its element accesses then go
 * through V8's generic path. Functions made from one source text share that state, so each
 * kernel is compiled from its own text, naming its type. The text is built only from the
 * fixed table above, never from input. Where Node forbids making code from text
 * (`--disallow-code-generation-from-strings`) there are no kernels, and the ops go element
 * by element.
 *
 * Each loop takes {@link LANES} elements a turn (V8 then keeps more in registers and checks
 * less per element), and every element is still computed on its own, in index order, so the
 * bits are those of the op applied element by element. `out` may be `a` or `b`: each element
 * is read before it is written.
 *
 * The `n % LANES` leftover elements come first, the lanes after. With the leftover loop last,
 * V8 compiled the hot loop on stack replacement before that loop had ever run, found no
 * type feedback for its comparison on leaving the hot loop, and threw the compiled code away
 * again, call after call, compiling it anew each time (`--trace-deopt`: 876
 * deoptimizations in 800 calls of a 1 MiB `Allreduce` at np 4, 13 with this order).
 */
export function kernelFor(Type: unknown, op: ReduceOp): Kernel | null {
  const expression = KERNEL_EXPRESSIONS.get(op);
  const byOp = kernels.get(Type);
  if (expression === undefined || byOp === undefined) return null;
  let kernel = byOp.get(op);
  if (kernel === undefined) {
    kernel = null;
    const at = (index: string): string => expression.replaceAll('{a}', `a[${index}]`).replaceAll('{b}', `b[${index}]`);
    const source = [
      `// tsmpi ${op.name} over ${(Type as { name: string }).name}`,
      "'use strict';",
      'const n = a.length;',
      'let i = 0;',
      `for (const head = n % ${LANES}; i < head; i++) out[i] = ${at('i')};`,
      `for (; i < n; i += ${LANES}) {`,
      ...Array.from({ length: LANES }, (_, lane) => {
        const index = lane === 0 ? 'i' : `i + ${lane}`;
        return `  out[${index}] = ${at(index)};`;
      }),
      '}',
    ].join('\n');
    try {
      kernel = new Function('a', 'b', 'out', source) as Kernel;
    } catch {
      // EvalError: this process may not compile code from text.
    }
    byOp.set(op, kernel);
  }
  return kernel;
}

function combineTyped(op: ReduceOp, a: ArrayBufferView, b: ArrayBufferView, where: string, into: unknown): unknown {
  if (a.constructor !== b.constructor)
    return fail(where, `${op.name} needs typed arrays of one element type (got ${kind(a)} and ${kind(b)})`);
  const x = a as unknown as { length: number; [i: number]: unknown };
  const y = b as unknown as { length: number; [i: number]: unknown };
  if (x.length !== y.length) return fail(where, `${op.name} needs arrays of equal length (got ${x.length} and ${y.length})`);
  if (op === MAXLOC || op === MINLOC || op === LAND || op === LOR || op === LXOR) {
    return fail(
      where,
      `${op.name} does not apply to typed arrays (got ${kind(a)}); use arrays of ${op === MAXLOC || op === MINLOC ? '[value, index] pairs' : 'booleans'}`,
    );
  }
  const Ctor = a.constructor as new (length: number) => { [i: number]: unknown };
  // Writing into a scratch array the caller owns (it may be a or b: each element is read
  // before it is written) saves allocating and zeroing a result at every step.
  const reusable =
    into !== undefined &&
    ArrayBuffer.isView(into) &&
    into.constructor === a.constructor &&
    (into as unknown as { length: number }).length === x.length;
  const out = reusable ? (into as unknown as { [i: number]: unknown }) : new Ctor(x.length);
  const kernel = kernelFor(a.constructor, op);
  if (kernel !== null) {
    kernel(a as Typed, b as Typed, out as Typed);
    return out;
  }
  for (let i = 0; i < x.length; i++) out[i] = op.scalar(x[i], y[i], where);
  return out;
}

/**
 * `op(a, b)`: combine the value of lower ranks `a` with that of higher ranks `b`.
 * Never modifies `a` or `b`, except that a predefined op on typed arrays writes its result
 * into `into` when given one of the same type and length (which may be `a` or `b`).
 * @throws ERR_OP on values the op does not apply to, or when a user op throws
 */
export function combine(op: Op, a: unknown, b: unknown, where: string, into?: unknown): unknown {
  if (typeof op === 'function') {
    try {
      return (op as (a: unknown, b: unknown) => unknown)(a, b);
    } catch (error) {
      if (error instanceof MpiError) throw error;
      throw new MpiError('ERR_OP', `${where}: the user op threw (${error instanceof Error ? error.message : String(error)})`, {
        cause: error,
      });
    }
  }
  return combineBuiltin(op, a, b, where, into);
}

function isPairOp(op: ReduceOp): boolean {
  return op === MAXLOC || op === MINLOC;
}

function combineBuiltin(op: ReduceOp, a: unknown, b: unknown, where: string, into?: unknown): unknown {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(ArrayBuffer.isView(a) && ArrayBuffer.isView(b))) return fail(where, `${op.name} got ${kind(a)} and ${kind(b)}`);
    return combineTyped(op, a, b, where, into);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return fail(where, `${op.name} got ${kind(a)} and ${kind(b)}`);
    // A MAXLOC/MINLOC pair is an array too: [value, index] with a scalar value.
    if (isPairOp(op) && a.length === 2 && !Array.isArray(a[0])) return op.scalar(a, b, where);
    if (a.length !== b.length) return fail(where, `${op.name} needs arrays of equal length (got ${a.length} and ${b.length})`);
    const out = new Array<unknown>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = combineBuiltin(op, a[i], b[i], where);
    return out;
  }
  return op.scalar(a, b, where);
}
