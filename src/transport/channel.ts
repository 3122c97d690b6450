/**
 * The control channel between a {@link Cluster} client and its engines: one ROUTER on
 * the client, one DEALER per engine (and one per engine's interrupt watchdog), each
 * message one value encoded by tsmpi's codec (msgpack header plus typed arrays as
 * frames of their own). This file and zmq.ts are the only importers of 'zeromq'.
 *
 * On this host the ROUTER binds an ipc:// path in a private (0700) directory; when
 * engines run on other hosts it binds tcp:// and every socket uses CURVE with keys made
 * for this cluster, so a socket from outside can neither connect nor read. Both key
 * pairs travel to the engines on the launcher's stdin (never on a command line).
 *
 * zeromq.js (6.x) allows one pending send() and one pending receive() per socket, so
 * each socket has one send chain and one reader loop. A pending receive() keeps Node's
 * event loop alive: the server reads only while somebody holds interest ({@link keepReceiving}),
 * so a client with no call in flight keeps nothing alive.
 */
import * as zmq from 'zeromq';
import { decode, encode, PACKED } from '../codec/codec.js';
import { MpiError } from '../errors.js';

/** CURVE key pairs (z85 text) of a channel that crosses hosts. */
export interface ChannelKeys {
  readonly serverPublic: string;
  readonly serverSecret: string;
  readonly clientPublic: string;
  readonly clientSecret: string;
}

/** Fresh key pairs for one channel. */
export function channelKeys(): ChannelKeys {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  return { serverPublic: server.publicKey, serverSecret: server.secretKey, clientPublic: client.publicKey, clientSecret: client.secretKey };
}

function frames(message: unknown, operation: string): Uint8Array[] {
  return encode(message, operation).frames;
}

function unpack(parts: readonly Uint8Array[]): unknown {
  return decode(PACKED, parts);
}

/** The client's end: a ROUTER that engines connect to, each with its own routing id. */
export class ChannelServer {
  private readonly socket: zmq.Router;
  private tail: Promise<void> = Promise.resolve();
  private handler: (peer: string, message: unknown) => void = () => {};
  private interest = 0;
  private reading = false;
  private closed = false;

  private constructor(
    socket: zmq.Router,
    /** The address engines connect to. */
    readonly endpoint: string,
  ) {
    this.socket = socket;
  }

  /**
   * Bind to `endpoint` (`ipc://PATH`, or `tcp://ADDRESS:0` for an OS-chosen port) and
   * announce `announceHost` in place of a wildcard address.
   */
  static async bind(endpoint: string, keys: ChannelKeys | null, announceHost?: string): Promise<ChannelServer> {
    const socket = new zmq.Router({
      linger: 0,
      receiveHighWaterMark: 0,
      sendHighWaterMark: 0,
      ...(keys === null ? {} : { curveServer: true, curveSecretKey: keys.serverSecret }),
    });
    await socket.bind(endpoint);
    let bound = socket.lastEndpoint ?? endpoint;
    if (announceHost !== undefined) bound = bound.replace(/^tcp:\/\/[^:]+:/, `tcp://${announceHost}:`);
    return new ChannelServer(socket, bound);
  }

  /** Install the one consumer of incoming messages (synchronous). */
  onMessage(handler: (peer: string, message: unknown) => void): void {
    this.handler = handler;
  }

  /** Read while held; returns the release. */
  keepReceiving(): () => void {
    this.interest++;
    if (!this.reading) void this.read();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.interest--;
    };
  }

  /**
   * Queue `message` for `peer`. A message to a peer that has not connected (yet) is
   * dropped, as a ROUTER does; callers only address peers that said hello.
   */
  send(peer: string, message: unknown, operation: string): Promise<void> {
    const parts = frames(message, operation);
    const sent = this.tail.then(() => (this.closed ? undefined : this.socket.send([peer, ...parts])));
    this.tail = sent.catch(() => {});
    return sent;
  }

  private async read(): Promise<void> {
    this.reading = true;
    try {
      while (this.interest > 0 && !this.closed) {
        const [peer, ...parts] = await this.socket.receive();
        if (peer === undefined) continue;
        this.handler(Buffer.from(peer).toString('utf8'), unpack(parts));
      }
    } catch (error) {
      if (!this.closed) throw new MpiError('ERR_CLUSTER', `cluster: the control channel failed (${String(error)})`, { cause: error });
    } finally {
      this.reading = false;
    }
  }

  /** Close the socket; repeatable. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

/** An engine's end: a DEALER connected to the client, always reading. */
export class ChannelClient {
  private readonly socket: zmq.Dealer;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(endpoint: string, routingId: string, keys: ChannelKeys | null) {
    this.socket = new zmq.Dealer({
      routingId,
      linger: 2000,
      receiveHighWaterMark: 0,
      sendHighWaterMark: 0,
      ...(keys === null ? {} : { curveServerKey: keys.serverPublic, curvePublicKey: keys.clientPublic, curveSecretKey: keys.clientSecret }),
    });
    this.socket.connect(endpoint);
  }

  /** Queue a message for the client; messages arrive in the order sent. */
  send(message: unknown, operation: string): Promise<void> {
    const parts = frames(message, operation);
    const sent = this.tail.then(() => (this.closed ? undefined : this.socket.send(parts)));
    this.tail = sent.catch(() => {});
    return sent;
  }

  /** Messages from the client, until the channel is closed. */
  async *messages(): AsyncGenerator<unknown> {
    try {
      while (!this.closed) yield unpack(await this.socket.receive());
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  /** Wait for queued messages to leave, then close; repeatable. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.tail;
    this.closed = true;
    this.socket.close();
  }
}
