/**
 * The matching engine: MPI's two queues, pure (no I/O).
 *
 * An arriving message is offered to the posted receives of its context in the order
 * they were posted; the first whose (source, tag) matches takes it. A message nobody
 * has asked for waits in the unexpected queue, in arrival order; a newly posted receive
 * takes the oldest matching unexpected message. Since each sender's messages arrive in
 * the order they were sent, this gives MPI's non-overtaking rule.
 *
 * A posted receive may decline a message it matched (a buffer receive whose buffer is
 * too small): the receive then fails and the message stays where it was, in order, for
 * a later receive.
 */

export const ANY_SOURCE = -2;
export const ANY_TAG = -1;

/** The envelope matching looks at. `source` is the sender's rank in the communicator. */
export interface Envelope {
  readonly context: number;
  readonly source: number;
  readonly tag: number;
}

/** A receive waiting for a message. `take` returns false to decline the message. */
export interface PostedReceive<M extends Envelope> {
  readonly source: number;
  readonly tag: number;
  take(message: M): boolean;
}

/** A probe waiting for a matching message to be in the unexpected queue. */
export interface ProbeWaiter<M extends Envelope> {
  readonly source: number;
  readonly tag: number;
  seen(message: M): void;
}

/** What a posted receive or probe asks for: a (source, tag) pair, either of which may be a wildcard. */
interface Selector {
  readonly source: number;
  readonly tag: number;
}

export function matches(envelope: Envelope, source: number, tag: number): boolean {
  return (source === ANY_SOURCE || source === envelope.source) && (tag === ANY_TAG || tag === envelope.tag);
}

/**
 * A FIFO queue with removal from the middle. Removed slots are marked and skipped; the
 * array is compacted when the dead head grows, so taking from the front (the common
 * case, e.g. `recv(ANY_SOURCE)` draining a flood) is O(1) amortised.
 */
/**
 * Dead slots at the head of a {@link Queue} before it compacts (and only once they are
 * over half the array): compacting copies the live items, so it waits until the copy
 * is cheap against the work that made the slots dead.
 */
const COMPACT_AFTER_DEAD = 1024;

class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private live = 0;

  get length(): number {
    return this.live;
  }

  push(item: T): void {
    this.items.push(item);
    this.live++;
  }

  /** Remove and return the first item satisfying `test`. */
  take(test: (item: T) => boolean): T | undefined {
    const index = this.find(test);
    if (index < 0) return undefined;
    const item = this.items[index];
    this.removeAt(index);
    return item;
  }

  find(test: (item: T) => boolean): number {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined && test(item)) return i;
    }
    return -1;
  }

  /** Index of the first item whose (source, tag) match `envelope` (a posted receive or probe for a message). */
  findFor(this: Queue<Selector>, envelope: Envelope): number {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined && matches(envelope, item.source, item.tag)) return i;
    }
    return -1;
  }

  /** Index of the first item (a message) that matches (source, tag). */
  findMatching(this: Queue<Envelope>, source: number, tag: number): number {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined && matches(item, source, tag)) return i;
    }
    return -1;
  }

  at(index: number): T | undefined {
    return this.items[index];
  }

  removeAt(index: number): void {
    if (this.items[index] === undefined) return;
    this.items[index] = undefined;
    this.live--;
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++;
    if (this.head > COMPACT_AFTER_DEAD && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  remove(item: T): boolean {
    const index = this.find((candidate) => candidate === item);
    if (index < 0) return false;
    this.removeAt(index);
    return true;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined) yield item;
    }
  }
}

interface ContextQueues<M extends Envelope> {
  readonly unexpected: Queue<M>;
  readonly posted: Queue<PostedReceive<M>>;
  readonly probes: Queue<ProbeWaiter<M>>;
}

/** What happened to a newly posted receive. */
export type PostResult = 'matched' | 'declined' | 'posted';

export class MatchingEngine<M extends Envelope> {
  private readonly contexts = new Map<number, ContextQueues<M>>();

  private queues(context: number): ContextQueues<M> {
    let queues = this.contexts.get(context);
    if (queues === undefined) {
      queues = { unexpected: new Queue(), posted: new Queue(), probes: new Queue() };
      this.contexts.set(context, queues);
    }
    return queues;
  }

  /** Offer an arriving message to the posted receives, else queue it as unexpected. */
  arrive(message: M): void {
    const queues = this.queues(message.context);
    for (;;) {
      const index = queues.posted.findFor(message);
      if (index < 0) break;
      const posted = queues.posted.at(index);
      queues.posted.removeAt(index);
      if (posted !== undefined && posted.take(message)) return;
    }
    queues.unexpected.push(message);
    if (queues.probes.length === 0) return;
    for (const probe of [...queues.probes]) {
      if (matches(message, probe.source, probe.tag)) {
        queues.probes.remove(probe);
        probe.seen(message);
      }
    }
  }

  /** Post a receive: it takes the oldest matching unexpected message now, or waits. */
  post(context: number, posted: PostedReceive<M>): PostResult {
    const queues = this.queues(context);
    const index = queues.unexpected.findMatching(posted.source, posted.tag);
    if (index >= 0) {
      const message = queues.unexpected.at(index);
      if (message === undefined || !posted.take(message)) return 'declined';
      queues.unexpected.removeAt(index);
      return 'matched';
    }
    queues.posted.push(posted);
    return 'posted';
  }

  /** Withdraw a posted receive that has not matched. Returns false if it already matched. */
  cancel(context: number, posted: PostedReceive<M>): boolean {
    return this.queues(context).posted.remove(posted);
  }

  /** Remove and return every unexpected message of `context` with exactly `tag`, oldest first. */
  withdraw(context: number, tag: number): M[] {
    const queues = this.queues(context);
    const withdrawn: M[] = [];
    for (
      let taken = queues.unexpected.take((message) => message.tag === tag);
      taken !== undefined;
      taken = queues.unexpected.take((message) => message.tag === tag)
    ) {
      withdrawn.push(taken);
    }
    return withdrawn;
  }

  /** The oldest unexpected message matching (source, tag), left in the queue. */
  peek(context: number, source: number, tag: number): M | undefined {
    const queues = this.queues(context);
    const index = queues.unexpected.findMatching(source, tag);
    return index < 0 ? undefined : queues.unexpected.at(index);
  }

  /** Wait for a matching message to be unexpected (probe). Fires at once if one already is. */
  watch(context: number, probe: ProbeWaiter<M>): void {
    const found = this.peek(context, probe.source, probe.tag);
    if (found !== undefined) probe.seen(found);
    else this.queues(context).probes.push(probe);
  }

  unwatch(context: number, probe: ProbeWaiter<M>): boolean {
    return this.queues(context).probes.remove(probe);
  }

  /** Every unexpected message, context by context, oldest first within a context. */
  *unexpected(): IterableIterator<M> {
    for (const queues of this.contexts.values()) yield* queues.unexpected;
  }

  /** Number of unexpected messages held (all contexts). */
  get unexpectedCount(): number {
    let count = 0;
    for (const queues of this.contexts.values()) count += queues.unexpected.length;
    return count;
  }
}
