/**
 * The operations a process waits in (receives, probes, synchronous and rendezvous sends,
 * tracked collectives), for the deadlock check, the --timeout report and finalize, which
 * fails them all.
 */
import type { MpiError } from '../errors.js';

/** Whom a pending operation waits for: a world rank, or a communicator rank (or ANY_SOURCE) of a context. */
export type WaitsOn = { readonly world: number; readonly context: number } | { readonly source: number; readonly context: number };

/** One pending operation. `prev` and `next` belong to the {@link PendingList} holding it. */
export interface Pending {
  readonly label: string;
  readonly since: number;
  readonly fail: (error: MpiError) => void;
  /** Whom it waits for, for the deadlock check. */
  readonly on?: WaitsOn;
  /** A tracked call (a collective) whose parts are the operations pending on `on.context`. */
  readonly tracked?: boolean;
  prev?: Pending | null | undefined;
  next?: Pending | null | undefined;
}

/**
 * The pending operations in the order they began: a list threaded through the entries
 * themselves. Every receive that waits is added and removed once, so both must be cheap:
 * a Set hashes each new entry and, as it empties after every receive of a ping-pong,
 * shrinks and regrows its table (about half a microsecond per receive, measured).
 */
export class PendingList implements Iterable<Pending> {
  private head: Pending | null = null;
  private tail: Pending | null = null;

  add(entry: Pending): void {
    entry.prev = this.tail;
    entry.next = null;
    if (this.tail === null) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
  }

  /** Remove `entry`; nothing happens when it is not in the list (any more). */
  delete(entry: Pending): void {
    if (entry.prev === undefined || (entry.prev === null && this.head !== entry)) return;
    const { prev, next = null } = entry;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
  }

  clear(): void {
    for (let entry = this.head; entry !== null;) {
      const next = entry.next ?? null;
      entry.prev = undefined;
      entry.next = undefined;
      entry = next;
    }
    this.head = null;
    this.tail = null;
  }

  *[Symbol.iterator](): Iterator<Pending> {
    for (let entry = this.head; entry !== null; entry = entry.next ?? null) yield entry;
  }
}
