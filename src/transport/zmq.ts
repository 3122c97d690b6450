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
  /** Settles after the last queued send; the next send chains on it (one pending send per socket). */
  tail: Promise<void>;
  queued: number;
}

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
    // Fast path: nothing queued on this socket, so hand the frames over right away.
    const sent =
      outbox.queued === 0 ? outbox.socket.send(frames as Uint8Array[]) : outbox.tail.then(() => outbox.socket.send(frames as Uint8Array[]));
    outbox.queued++;
    const settled = (): void => {
      outbox.queued--;
    };
    outbox.tail = sent.then(settled, settled);
    return sent;
  }

  sharedFiles(dest: number): SharedFiles | null {
    const files = this.files;
    return files !== null && this.sameHost(dest) ? files : null;
  }

  keepReceiving(): () => void {
    this.interest++;
    if (!this.reading) void this.readLoop();
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
      while (!this.closed && this.inbox.readable) this.dispatch(await this.inbox.receive());
    } finally {
      this.reading = false;
    }
    if (this.interest > 0) void this.readLoop();
  }

  async close(options: { readonly delivered?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.files?.close();
    // Lingering only matters for messages still on their way; once the launcher's drain has
    // confirmed every one arrived, a peer that has gone would only make close wait in vain.
    const lingerMs = options.delivered === true ? 0 : (this.options.lingerMs ?? DEFAULT_LINGER_MS);
    for (const outbox of this.outboxes.values()) {
      await outbox.tail;
      outbox.socket.linger = lingerMs;
      outbox.socket.close();
    }
    this.inbox.close();
  }

  private async readLoop(): Promise<void> {
    this.reading = true;
    try {
      while (this.interest > 0 && !this.closed) this.dispatch(await this.inbox.receive());
    } catch (error) {
      // A pending receive rejects with EAGAIN when the socket closes: that is the normal end.
      // Anything else is a real failure: every pending operation must hear of it.
      if (!this.closed) this.onFailure(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.reading = false;
    }
  }

  private dispatch(message: Buffer[]): void {
    // ROUTER prepends the sender's routing id; the header carries the source rank instead.
    this.handler(message.slice(1));
  }

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
    outbox = { socket, tail: Promise.resolve(), queued: 0 };
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
