/**
 * tsmpi: MPI-style SPMD message passing for Node.js.
 *
 * @example
 * import { init } from 'tsmpi';
 * const comm = await init();
 * if (comm.rank === 0) await comm.send('hello', 1);
 * else if (comm.rank === 1) console.log(await comm.recv(0));
 */
export { init, finalize, initialized, Wtime, Wtick, Get_processor_name } from './runtime/init.js';
export { Comm, UNDEFINED } from './comm/comm.js';
export { Cartcomm } from './comm/cart.js';
export { Compute_dims } from './comm/cart-grid.js';
export { IN_PLACE, type InPlace } from './collectives/in-place.js';
export { SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR, MAXLOC, MINLOC, ReduceOp, type Op, type UserOp } from './ops/ops.js';
export type { VBuffer } from './collectives/buffers.js';
export { Request } from './comm/request.js';
export { Status } from './comm/status.js';
export { ANY_SOURCE, ANY_TAG } from './comm/matching.js';
export { TAG_UB, PROC_NULL } from './comm/validate.js';
export type { TrafficStats } from './comm/engine.js';
export type { AnyTypedArray } from './codec/codec.js';
export { MpiError, type ErrorCode } from './errors.js';
export { Cluster, EngineError, type ClusterOptions, type MapOptions } from './cluster/cluster.js';
export { Pool, type PoolOptions, type PoolMapOptions } from './cluster/pool.js';
export type { EngineFailure } from './cluster/protocol.js';

declare global {
  interface SymbolConstructor {
    /**
     * `Cluster` and `Pool` can be closed with `await using`. Node has the symbol (from 20.4),
     * and @types/node or TypeScript's `esnext` lib declare it; declared here as well, so
     * these declarations compile in a project with `target: ES2022` and no @types/node.
     */
    readonly asyncDispose: unique symbol;
  }
}
