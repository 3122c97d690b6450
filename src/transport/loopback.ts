/**
 * In-process transport: every rank of the job lives in this process. Used for a
 * singleton run (`node prog.js` without the launcher) and for fast SPMD tests of the
 * comm layer. Delivery is asynchronous (a microtask later) so that a send never runs
 * receive-side code inside the sender's call.
 */
import type { FrameHandler, Transport } from './transport.js';

/** The shared medium of one in-process job. */
export class LoopbackHub {
  private readonly ends: LoopbackTransport[] = [];
  constructor(readonly size: number) {
    for (let rank = 0; rank < size; rank++) this.ends.push(new LoopbackTransport(this, rank));
  }
  /** The transport of `rank`. */
  transport(rank: number): LoopbackTransport {
    const end = this.ends[rank];
    if (end === undefined) throw new RangeError(`loopback: no rank ${rank} in a hub of size ${this.size}`);
    return end;
  }
}

export class LoopbackTransport implements Transport {
  private handler: FrameHandler | null = null;
  private readonly early: Uint8Array[][] = [];
  private closed = false;

  constructor(
    private readonly hub: LoopbackHub,
    readonly rank: number,
  ) {}

  get size(): number {
    return this.hub.size;
  }

  setHandler(handler: FrameHandler): void {
    this.handler = handler;
    for (const frames of this.early.splice(0)) handler(frames);
  }

  send(dest: number, frames: readonly Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('loopback: transport is closed'));
    const target = this.hub.transport(dest);
    // Copy: the sender may reuse its buffer as soon as send resolves, as with a socket.
    const copies = frames.map((frame) => new Uint8Array(frame));
    queueMicrotask(() => target.deliver(copies));
    return Promise.resolve();
  }

  private deliver(frames: Uint8Array[]): void {
    if (this.closed) return;
    if (this.handler === null) this.early.push(frames);
    else this.handler(frames);
  }

  hold(): () => void {
    return () => {};
  }

  poll(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
