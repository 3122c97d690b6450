/**
 * In-process transport: every rank of the job lives in this process. Used for a
 * singleton run (`node prog.js` without the launcher) and for fast SPMD tests of the
 * comm layer.
 *
 * It models the zeromq transport's memory rules so that tests over it cannot pass where
 * zeromq fails: `send` resolves at once while the frames' memory still belongs to the
 * transport, and the bytes are read (copied into the receiver's fresh memory, as a socket
 * does) only when the message is delivered, a macrotask later. A sender that changes its
 * buffer after `send` resolved therefore changes what arrives here too, unless the layer
 * above copied it or waited for the receiver (src/comm/engine.ts).
 */
import type { SharedFiles } from './shared-files.js';
import type { FailureHandler, FrameHandler, Transport } from './transport.js';

/** A received frame as zeromq gives it: a fresh Buffer of its own, at offset 0. */
function received(frame: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(frame.byteLength);
  copy.set(frame);
  return copy;
}

/** The shared medium of one in-process job. */
export class LoopbackHub {
  private readonly ends: LoopbackTransport[] = [];
  /**
   * With `sharedFiles`, each rank offers the engine the shared files it gives for that
   * rank (e.g. `new SharedFiles(dir, rank)`), as ranks on one host do over zeromq: tests of
   * that path without processes. With `hosts`, rank r says it runs on `hosts(r)` (as if the
   * job spanned hosts: tests of choices made by where ranks run); else every rank is on one.
   */
  constructor(
    readonly size: number,
    private readonly options: { readonly sharedFiles?: (rank: number) => SharedFiles; readonly hosts?: (rank: number) => string } = {},
  ) {
    for (let rank = 0; rank < size; rank++) this.ends.push(new LoopbackTransport(this, rank, options.sharedFiles?.(rank) ?? null));
  }
  /** The host of `rank` given at construction, if any. */
  hostOf(rank: number): string | undefined {
    return rank >= 0 && rank < this.size ? this.options.hosts?.(rank) : undefined;
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
    private readonly files: SharedFiles | null = null,
  ) {}

  sharedFiles(): SharedFiles | null {
    return this.files;
  }

  hostOf(rank: number): string | undefined {
    return this.hub.hostOf(rank);
  }

  get size(): number {
    return this.hub.size;
  }

  setHandler(handler: FrameHandler, _onFailure: FailureHandler): void {
    this.handler = handler;
    for (const frames of this.early.splice(0)) handler(frames);
  }

  send(dest: number, frames: readonly Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('loopback: transport is closed'));
    const target = this.hub.transport(dest);
    const handed = [...frames];
    // The bytes are read at delivery, not now: like libzmq, which reads the memory of a
    // frame over 128 bytes after send() resolved. Immediates run in order: FIFO per pair.
    setImmediate(() => target.deliver(handed.map(received)));
    return Promise.resolve();
  }

  private deliver(frames: Uint8Array[]): void {
    if (this.closed) return;
    if (this.handler === null) this.early.push(frames);
    else this.handler(frames);
  }

  keepReceiving(): () => void {
    return () => {};
  }

  poll(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.files?.close();
    return Promise.resolve();
  }
}
