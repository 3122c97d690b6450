/**
 * Cartesian topologies (MPI_Cart_create and friends, mpi4py's `Cartcomm`): a communicator
 * whose ranks sit on a grid, with the neighbour arithmetic a halo exchange needs. Made by
 * `Comm.Create_cart`; the grid arithmetic itself is in cart-grid.ts.
 */
import { MpiError } from '../errors.js';
import { coordsOf, isCount, rankAt, type CartShape } from './cart-grid.js';
import { Comm, type CommRuntime } from './comm.js';
import { PROC_NULL } from './validate.js';

/**
 * A communicator whose ranks sit on a Cartesian grid (mpi4py's `Cartcomm`), made by
 * `comm.Create_cart(dims, periods)`. Everything a `Comm` does works on it; ranks are
 * numbered row-major over the grid.
 */
export class Cartcomm extends Comm {
  /** Extent of each dimension. */
  readonly dims: readonly number[];
  /** Whether each dimension wraps around (a ring) or has two open ends. */
  readonly periods: readonly boolean[];
  /** This rank's coordinates on the grid. */
  readonly coords: readonly number[];
  private readonly shape: CartShape;

  /** @internal made by `Comm.Create_cart` */
  constructor(runtime: CommRuntime, context: number, group: readonly number[], shape: CartShape) {
    super(runtime, context, group);
    this.shape = shape;
    this.dims = Object.freeze([...shape.dims]);
    this.periods = Object.freeze([...shape.periods]);
    this.coords = Object.freeze(coordsOf(shape, this.rank));
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.dims.length;
  }

  /** Number of dimensions (MPI_Cartdim_get). */
  Get_dim(): number {
    return this.dims.length;
  }

  /** `[dims, periods, coords]` of this rank (MPI_Cart_get). */
  Get_topo(): [number[], boolean[], number[]] {
    return [[...this.dims], [...this.periods], [...this.coords]];
  }

  /**
   * Coordinates of `rank` on the grid (MPI_Cart_coords).
   * @throws ERR_RANK for a rank outside the communicator
   * @example cart.Get_coords(5) // [1, 2] on a 2 × 3 grid
   */
  Get_coords(rank: number): number[] {
    if (!isCount(rank, 0) || rank >= this.size)
      throw new MpiError('ERR_RANK', `Get_coords: rank ${String(rank)} is out of range for a communicator of size ${this.size}`);
    return coordsOf(this.shape, rank);
  }

  /**
   * Rank at `coords` (MPI_Cart_rank). Periodic dimensions wrap around.
   * @throws ERR_ARG for the wrong number of coordinates or one outside an open dimension
   */
  Get_cart_rank(coords: readonly number[]): number {
    if (!Array.isArray(coords) || coords.length !== this.dims.length || !coords.every((c) => Number.isInteger(c))) {
      throw new MpiError('ERR_ARG', `Get_cart_rank: coords must be ${this.dims.length} integers (got ${JSON.stringify(coords)})`);
    }
    const rank = rankAt(this.shape, coords);
    if (rank === PROC_NULL)
      throw new MpiError(
        'ERR_ARG',
        `Get_cart_rank: coords ${JSON.stringify(coords)} lie outside the grid ${JSON.stringify(this.dims)} (open dimensions do not wrap)`,
      );
    return rank;
  }

  /**
   * The neighbours `disp` steps away along `direction` (MPI_Cart_shift): `[source, dest]`,
   * where this rank receives from `source` and sends to `dest` in a shift by `disp`.
   * At an open end the missing neighbour is `PROC_NULL`, so a halo exchange needs no `if`:
   * sends to and receives from `PROC_NULL` complete at once.
   * @throws ERR_ARG for a direction that is not a dimension, or a displacement that is not an integer
   * @example const [left, right] = cart.Shift(0, 1);
   */
  Shift(direction: number, disp: number): [number, number] {
    if (!isCount(direction, 0) || direction >= this.dims.length) {
      throw new MpiError('ERR_ARG', `Shift: direction must be a dimension from 0 to ${this.dims.length - 1} (got ${String(direction)})`);
    }
    if (!Number.isInteger(disp)) throw new MpiError('ERR_ARG', `Shift: disp must be an integer (got ${String(disp)})`);
    const along = (step: number): number =>
      rankAt(
        this.shape,
        this.coords.map((c, d) => (d === direction ? c + step : c)),
      );
    return [along(-disp), along(disp)];
  }
}
