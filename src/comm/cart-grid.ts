/**
 * Cartesian grid arithmetic, pure (no communication): ranks laid out on a grid of `dims`,
 * row-major (the last dimension varies fastest, as in MPI), each dimension periodic (a
 * ring) or open (a line with two ends). `Cartcomm` (cart.ts) puts it on a communicator.
 */
import { MpiError } from '../errors.js';
import { PROC_NULL } from './validate.js';

/** The shape of a Cartesian grid, checked. */
export interface CartShape {
  readonly dims: readonly number[];
  readonly periods: readonly boolean[];
}

export function isCount(value: unknown, least: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= least;
}

/**
 * Check `dims`/`periods` for a grid on a communicator of `size` ranks.
 * @throws ERR_ARG for dims that are not positive integers, periods of another length, or a grid larger than `size`
 */
export function checkShape(where: string, dims: unknown, periods: unknown, size: number): CartShape {
  if (!Array.isArray(dims) || dims.length === 0 || !dims.every((d) => isCount(d, 1))) {
    throw new MpiError(
      'ERR_ARG',
      `${where}: dims must be a non-empty array of positive integers (got ${JSON.stringify(dims)}); Compute_dims(size, ndims) makes one`,
    );
  }
  const given = periods ?? dims.map(() => false);
  if (!Array.isArray(given) || given.length !== dims.length || !given.every((p) => typeof p === 'boolean')) {
    throw new MpiError('ERR_ARG', `${where}: periods must be ${dims.length} booleans, one per dimension (got ${JSON.stringify(periods)})`);
  }
  const cells = product(dims);
  if (cells > size) {
    throw new MpiError('ERR_ARG', `${where}: a grid of ${dims.join(' × ')} = ${cells} ranks does not fit a communicator of size ${size}`);
  }
  return { dims: [...dims] as number[], periods: [...given] as boolean[] };
}

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/** Coordinates of grid rank `rank` (row-major). */
export function coordsOf(shape: CartShape, rank: number): number[] {
  const coords = new Array<number>(shape.dims.length);
  let rest = rank;
  for (let d = shape.dims.length - 1; d >= 0; d--) {
    const extent = shape.dims[d] ?? 1;
    coords[d] = rest % extent;
    rest = Math.floor(rest / extent);
  }
  return coords;
}

/**
 * Grid rank at `coords`: periodic dimensions wrap, an open dimension outside the grid
 * gives `PROC_NULL` (what `Shift` returns at an open end).
 */
export function rankAt(shape: CartShape, coords: readonly number[]): number {
  let rank = 0;
  for (let d = 0; d < shape.dims.length; d++) {
    const extent = shape.dims[d] ?? 1;
    let c = coords[d] ?? 0;
    if (shape.periods[d]) c = ((c % extent) + extent) % extent;
    else if (c < 0 || c >= extent) return PROC_NULL;
    rank = rank * extent + c;
  }
  return rank;
}

/**
 * Balanced grid dimensions for `nnodes` ranks (MPI_Dims_create, mpi4py's `Compute_dims`):
 * as close to each other as possible, in non-increasing order. `dims` is the number of
 * dimensions, or an array where non-zero entries are kept and zeros are filled in.
 * @throws ERR_ARG when nnodes or dims are not valid, or the fixed entries do not divide nnodes
 * @example Compute_dims(12, 2) // [4, 3]
 */
export function Compute_dims(nnodes: number, dims: number | readonly number[]): number[] {
  if (!isCount(nnodes, 1)) throw new MpiError('ERR_ARG', `Compute_dims: nnodes must be a positive integer (got ${String(nnodes)})`);
  const given =
    typeof dims === 'number'
      ? isCount(dims, 1)
        ? new Array<number>(dims).fill(0)
        : null
      : Array.isArray(dims) && dims.every((d) => isCount(d, 0))
        ? [...dims]
        : null;
  if (given === null || given.length === 0) {
    throw new MpiError(
      'ERR_ARG',
      `Compute_dims: dims must be a number of dimensions or an array of non-negative integers (got ${JSON.stringify(dims)})`,
    );
  }
  const fixed = product(given.filter((d) => d > 0));
  if (nnodes % fixed !== 0) {
    throw new MpiError('ERR_ARG', `Compute_dims: the fixed dimensions ${JSON.stringify(dims)} (product ${fixed}) do not divide ${nnodes}`);
  }
  const free = given.filter((d) => d === 0).length;
  const chosen = new Array<number>(free).fill(1);
  if (free === 0) {
    if (fixed !== nnodes)
      throw new MpiError('ERR_ARG', `Compute_dims: the dimensions ${JSON.stringify(dims)} make ${fixed} ranks, not ${nnodes}`);
    return given;
  }
  // Largest prime factors first, each onto the currently smallest dimension.
  for (const factor of primeFactors(nnodes / fixed).reverse()) {
    let smallest = 0;
    for (let i = 1; i < free; i++) if ((chosen[i] ?? 1) < (chosen[smallest] ?? 1)) smallest = i;
    chosen[smallest] = (chosen[smallest] ?? 1) * factor;
  }
  chosen.sort((a, b) => b - a);
  let next = 0;
  return given.map((d) => (d > 0 ? d : (chosen[next++] ?? 1)));
}

function primeFactors(n: number): number[] {
  const factors: number[] = [];
  for (let p = 2; p * p <= n; p++) {
    while (n % p === 0) {
      factors.push(p);
      n /= p;
    }
  }
  if (n > 1) factors.push(n);
  return factors;
}
