/**
 * The zeromq transport: the only importer of 'zeromq'.
 *
 * Each rank binds one ROUTER (its inbox) on an ipc:// path inside the job's private
 * directory and, in a multi-host job, also on tcp://ADDRESS:* (port chosen by the OS).
 * To send to a peer a rank opens one DEALER, lazily on first use, connected to the
 * peer's ipc endpoint when both run on the same host, else to its tcp endpoint.
 * DEALER→ROUTER was measured the lowest-latency pattern alongside PAIR, and unlike
 * PAIR one inbox serves all peers. A DEALER→ROUTER pipe is FIFO, which gives MPI's
 * non-overtaking rule per (sender, receiver). Sending to self goes through a DEALER
 * connected to our own inbox, so every message takes one path and keeps one order.
 *
 * High-water marks are 0 (unbounded): a send never blocks because the receiver is busy;
 * libzmq's I/O thread keeps receiving into memory while JavaScript computes, which is
 * the eager protocol the comm layer promises. zeromq.js allows one pending send() and
 * one pending receive() per socket (EBUSY otherwise), so each DEALER has a send chain
 * and the ROUTER has one reader loop.
 *
 * A pending receive() keeps Node's event loop alive, so the reader loop runs only while
 * some operation holds interest ({@link Transport.keepReceiving}); when the last interest is
 * released the loop stops after the message that satisfied it.
 *
 * Ranks on one host whose job directory is in RAM (tmpfs) also share files there, through
 * which the engine passes large payloads ({@link ZmqTransport.sharedFiles}, shared-files.ts);
 * ranks on other hosts never do.
 *
 * With `curve` set (multi-host jobs), every socket uses CURVE with the job's key pair:
 * the inbox is a CURVE server, and only a client that knows the job's public key can
 * complete the handshake, so nobody outside the job can inject or read messages.
 */
import * as zmq from 'zeromq';
import { MpiError } from '../errors.js';
import { inRam, SharedFiles } from './shared-files.js';
import type { FailureHandler, FrameHandler, RankAddress, Transport } from './transport.js';

export interface ZmqTransportOptions {
  readonly rank: number;
  readonly size: number;
  readonly host: string;
  /** Private directory for ipc endpoints (same-host peers). */
  readonly ipcDir?: string;
  /** Address to bind and announce for peers on other hosts. */
  readonly tcpAddress?: string;
  /** The job's CURVE key pair (z85 text); when set, every connection of this rank uses CURVE. */
  readonly curve?: { readonly publicKey: string; readonly secretKey: string };
  /** How long closing waits for queued messages to reach their peers. */
  readonly lingerMs?: number;
  /**
   * Offer the engine files in `ipcDir` for large payloads to same-host peers, if that
   * directory is RAM-backed (shared-files.ts); default false.
   */
  readonly sharedFiles?: boolean;
}

const DEFAULT_LINGER_MS = 30_000;

interface Outbox {
  readonly socket: zmq.Dealer;
  /** The last send handed to the socket; a send that finds the socket busy chains on it. */
  last: Promise<void>;
  /** Sends waiting in the chain: while any does, a new send queues behind them (order). */
  queued: number;
}

/** zeromq.js refuses a second pending send on a socket synchronously, with this code. */
function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EBUSY';
}

/** Never rejects: what close() waits on. */
function ignore(): void {}

export class ZmqTransport implements Transport {
  readonly rank: number;
  readonly size: number;
  private readonly inbox: zmq.Router;
  private readonly outboxes = new Map<number, Outbox>();
  private peers: readonly RankAddress[] = [];
  private readonly files: SharedFiles | null;
  private handler: FrameHandler = () => {};
  private onFailure: FailureHandler = () => {};
  private interest = 0;
  private reading = false;
  private closed = false;

  private constructor(private readonly options: ZmqTransportOptions) {
    this.rank = options.rank;
    this.size = options.size;
    this.inbox = new zmq.Router({
      receiveHighWaterMark: 0,
      linger: 0,
      ...this.curveServer(),
    });
    const dir = options.ipcDir;
    // Only where the files stay in RAM: on a disk their pages would be written back for nothing.
    this.files = options.sharedFiles === true && dir !== undefined && inRam(dir) ? new SharedFiles(dir, options.rank) : null;
  }

  /** Bind this rank's inbox and return the transport and the address to announce. */
  static async bind(options: ZmqTransportOptions): Promise<{ transport: ZmqTransport; address: RankAddress }> {
    const transport = new ZmqTransport(options);
    let ipc: string | undefined;
    let tcp: string | undefined;
    if (options.ipcDir !== undefined) {
      ipc = `ipc://${options.ipcDir}/${options.rank}.sock`;
      await transport.inbox.bind(ipc);
    }
    if (options.tcpAddress !== undefined) {
      const host = options.tcpAddress.includes(':') ? `[${options.tcpAddress}]` : options.tcpAddress;
      await transport.inbox.bind(`tcp://${host}:*`);
      tcp = transport.inbox.lastEndpoint ?? undefined;
    }
    const address: RankAddress = {
      host: options.host,
      ...(ipc === undefined ? {} : { ipc }),
      ...(tcp === undefined ? {} : { tcp }),
    };
    return { transport, address };
  }

  /** Install the table of every rank's address (index = rank). Connections are made lazily. */
  setPeers(peers: readonly RankAddress[]): void {
    this.peers = peers;
  }

  setHandler(handler: FrameHandler, onFailure: FailureHandler): void {
    this.handler = handler;
    this.onFailure = onFailure;
  }

  send(dest: number, frames: readonly Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.reject(new MpiError('ERR_COMM_CLOSED', 'send: the transport is closed'));
    const outbox = this.outbox(dest);
    if (outbox.queued === 0) {
      // The common case: zeromq.js hands the frames to libzmq now (its send resolves at once),
      // with no promise of ours per message. Only while an earlier send still waits inside
      // zeromq.js (it defers one after many synchronous sends) is the socket busy: then chain.
      try {
        return (outbox.last = outbox.socket.send(frames as Uint8Array[]));
      } catch (error) {
        if (!isBusy(error)) return Promise.reject(error);
      }
    }
    outbox.queued++;
    const settled = (): void => {
      outbox.queued--;
    };
    const go = (): Promise<void> => outbox.socket.send(frames as Uint8Array[]);
    const sent = outbox.last.then(go, go);
    outbox.last = sent;
    sent.then(settled, settled);
    return sent;
  }

  sharedFiles(dest: number): SharedFiles | null {
    const files = this.files;
    return files !== null && this.sameHost(dest) ? files : null;
  }

  hostOf(rank: number): string | undefined {
    return this.peers[rank]?.host;
  }

  keepReceiving(): () => void {
    this.interest++;
    if (!this.reading) this.readNext();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.interest--;
    };
  }

  async poll(): Promise<void> {
    // A running reader loop already delivers whatever arrives; otherwise read what is queued.
    if (this.reading) return;
    this.reading = true;
    try {
      while (!this.closed && this.inbox.readable) {
        const message = await this.inbox.receive();
        message.shift();
        this.handler(message);
      }
    } finally {
      this.reading = false;
    }
    if (this.interest > 0 && !this.reading) this.readNext();
  }

  async close(options: { readonly delivered?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.files?.close();
    // Lingering only matters for messages still on their way; once the launcher's drain has
    // confirmed every one arrived, a peer that has gone would only make close wait in vain.
    const lingerMs = options.delivered === true ? 0 : (this.options.lingerMs ?? DEFAULT_LINGER_MS);
    for (const outbox of this.outboxes.values()) {
      await outbox.last.then(ignore, ignore);
      outbox.socket.linger = lingerMs;
      outbox.socket.close();
    }
    this.inbox.close();
  }

  /**
   * The reader loop, one receive at a time, written as callbacks rather than an async
   * function: restarting it (a receive posted after the loop stopped) then costs one call,
   * and a message reaches the engine in the same microtask as zeromq.js's promise.
   */
  private readNext(): void {
    if (this.closed) return;
    this.reading = true;
    try {
      this.inbox.receive().then(this.received, this.failed);
    } catch (error) {
      // zeromq.js throws at once rather than rejecting when it cannot even start a receive.
      this.failed(error);
    }
  }

  private readonly received = (message: Buffer[]): void => {
    try {
      // ROUTER prepends the sender's routing id; the header carries the source rank instead.
      message.shift();
      this.handler(message);
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.interest > 0 && !this.closed) this.readNext();
    else this.reading = false;
  };

  private readonly failed = (error: unknown): void => {
    this.reading = false;
    // A pending receive rejects with EAGAIN when the socket closes: that is the normal end.
    // Anything else is a real failure: every pending operation must hear of it.
    if (!this.closed) this.onFailure(error instanceof Error ? error : new Error(String(error)));
  };

  private outbox(dest: number): Outbox {
    let outbox = this.outboxes.get(dest);
    if (outbox !== undefined) return outbox;
    const peer = this.peers[dest];
    if (peer === undefined) {
      throw new MpiError('ERR_RANK', `send: no address known for rank ${dest} (job of size ${this.size})`);
    }
    const endpoint = this.sameHost(dest) ? peer.ipc : (peer.tcp ?? peer.ipc);
    if (endpoint === undefined) throw new MpiError('ERR_PEER_LOST', `send: rank ${dest} announced no endpoint`);
    const socket = new zmq.Dealer({
      sendHighWaterMark: 0,
      linger: this.options.lingerMs ?? DEFAULT_LINGER_MS,
      routingId: `r${this.rank}`,
      ...this.curveClient(),
    });
    socket.connect(endpoint);
    outbox = { socket, last: Promise.resolve(), queued: 0 };
    this.outboxes.set(dest, outbox);
    return outbox;
  }

  /** True when `dest` runs on this host and can be reached over ipc (and shares the job directory). */
  private sameHost(dest: number): boolean {
    const peer = this.peers[dest];
    return peer !== undefined && peer.host === this.options.host && peer.ipc !== undefined;
  }

  private curveServer(): { curveServer?: boolean; curveSecretKey?: string; curvePublicKey?: string } {
    const curve = this.options.curve;
    if (curve === undefined) return {};
    return { curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey };
  }

  private curveClient(): { curveServerKey?: string; curveSecretKey?: string; curvePublicKey?: string } {
    const curve = this.options.curve;
    if (curve === undefined) return {};
    return { curveServerKey: curve.publicKey, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey };
  }
}
