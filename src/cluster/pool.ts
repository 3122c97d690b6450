/**
 * Pool: Python's `multiprocessing.Pool` for tsmpi, built on {@link Cluster} (its
 * processes are a cluster's engines, and functions travel the same way: as source
 * text, without closures).
 */
import { availableParallelism } from 'node:os';
import { MpiError } from '../errors.js';
import { Cluster, type ClusterOptions } from './cluster.js';

/** Options of {@link Pool.create}. */
export interface PoolOptions extends Omit<ClusterOptions, 'n'> {
  /** Number of worker processes (default: the number of cores). */
  readonly processes?: number;
}

/** Options of the map methods: `chunksize` as in Python. */
export interface PoolMapOptions {
  /**
   * Items handed to a process at a time. Default for map/starmap as Python computes it
   * (⌈items / (4 · processes)⌉); 1 for imap/imapUnordered.
   */
  readonly chunksize?: number;
}

/**
 * A pool of worker processes (`multiprocessing.Pool`).
 *
 * @example
 * const pool = await Pool.create({ processes: 4 });
 * const squares = await pool.map((x: number) => x * x, [...Array(20).keys()]);   // [0, 1, 4, ...]
 * const powers = await pool.starmap((a: number, b: number) => a ** b, [[2, 3], [3, 2]]); // [8, 9]
 * for await (const r of pool.imapUnordered(work, items)) console.log(r);
 * await pool.close();
 */
export class Pool {
  private constructor(private readonly cluster: Cluster) {}

  /**
   * Start the processes; resolves once all are ready.
   * @throws ERR_ARG for a bad `processes`; ERR_CLUSTER when a process cannot start
   */
  static async create(options: PoolOptions = {}): Promise<Pool> {
    const { processes = availableParallelism(), ...rest } = options;
    if (!Number.isSafeInteger(processes) || processes < 1)
      throw new MpiError('ERR_ARG', `Pool.create: processes must be a positive integer (got ${String(processes)})`);
    return new Pool(await Cluster.start({ ...rest, n: processes }));
  }

  /** Number of worker processes. */
  get processes(): number {
    return this.cluster.size;
  }

  private defaultChunksize(count: number): number {
    return Math.max(1, Math.ceil(count / (this.cluster.size * 4)));
  }

  /**
   * `fn(item)` for every item, in parallel; results in input order.
   * @throws ERR_ENGINE (first failing item, with its index and stack), ERR_CLOSURE, ERR_ARG, ERR_CLUSTER
   */
  async map<T, R>(fn: (item: T) => R, items: Iterable<T>, options: PoolMapOptions = {}): Promise<Awaited<R>[]> {
    const list = [...items];
    return collect<Awaited<R>>(this.cluster.schedule('map', fn, list, false, options.chunksize ?? this.defaultChunksize(list.length)));
  }

  /** `fn(...args)` for every array of arguments; results in input order. Throws as {@link map}. */
  async starmap<A extends unknown[], R>(fn: (...args: A) => R, items: Iterable<A>, options: PoolMapOptions = {}): Promise<Awaited<R>[]> {
    const list = [...items];
    return collect<Awaited<R>>(this.cluster.schedule('starmap', fn, list, true, options.chunksize ?? this.defaultChunksize(list.length)));
  }

  /** `fn(...args)` in one of the processes (Python's `apply`). Throws as {@link map}. */
  async apply<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    const [result] = await collect<Awaited<R>>(this.cluster.schedule('apply', fn, [args], true, 1));
    return result as Awaited<R>;
  }

  /** Results of `fn(item)` one by one, in input order, each as soon as it and those before it are done. */
  async *imap<T, R>(fn: (item: T) => R, items: Iterable<T>, options: PoolMapOptions = {}): AsyncGenerator<Awaited<R>> {
    const ready = new Map<number, Awaited<R>>();
    let next = 0;
    for await (const [index, value] of this.cluster.schedule('imap', fn, [...items], false, options.chunksize ?? 1)) {
      ready.set(index, value as Awaited<R>);
      while (ready.has(next)) {
        const result = ready.get(next) as Awaited<R>;
        ready.delete(next++);
        yield result;
      }
    }
  }

  /** Results of `fn(item)` in the order they complete. */
  async *imapUnordered<T, R>(fn: (item: T) => R, items: Iterable<T>, options: PoolMapOptions = {}): AsyncGenerator<Awaited<R>> {
    for await (const [, value] of this.cluster.schedule('imapUnordered', fn, [...items], false, options.chunksize ?? 1))
      yield value as Awaited<R>;
  }

  /** Stop what the processes are running (pending calls reject with ERR_INTERRUPTED); the pool stays usable. */
  interrupt(): Promise<void> {
    return this.cluster.interrupt();
  }

  /** Stop the processes and wait until they are gone. Repeatable. */
  close(): Promise<void> {
    return this.cluster.close();
  }

  /** `await using pool = await Pool.create()` closes the pool at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function collect<R>(results: AsyncIterable<[number, unknown]>): Promise<R[]> {
  const out: R[] = [];
  for await (const [index, value] of results) out[index] = value as R;
  return out;
}
