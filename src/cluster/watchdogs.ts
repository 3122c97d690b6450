/**
 * The client's end of the engines' interrupt watchdogs (see watchdog.ts): a stream
 * server (unix socket in the cluster's private directory, or TCP across hosts) where
 * each watchdog proves itself with the cluster's token and then receives interrupt
 * numbers, one per line. An interrupt sent before a watchdog connected reaches it when
 * it does. Nothing here keeps the client's process alive.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { readLines } from '../util/lines.js';
import type { ConnectInfo } from './protocol.js';

/** Longest first line kept from a connection: a watchdog's `{token, rank}` is far shorter. */
const HELLO_MAX_CHARS = 1024;

export class Watchdogs {
  private readonly sockets = new Set<Socket>();
  private readonly outstanding = new Set<number>();

  private constructor(
    private readonly server: Server,
    /** Where watchdogs connect, for {@link ConnectInfo}. */
    readonly location: ConnectInfo['watchdog'],
    /** What a watchdog must send first. */
    readonly token: string,
  ) {}

  /** Listen in `dir` (this host only) or on TCP, announcing `host`. */
  static async listen(dir: string | null, host: string): Promise<Watchdogs> {
    const token = randomBytes(16).toString('hex');
    let watchdogs: Watchdogs | null = null;
    const server = createServer((socket) => watchdogs?.accept(socket));
    const path = dir === null ? null : join(dir, 'watchdog');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (path === null) server.listen(0, '0.0.0.0', resolve);
      else server.listen(path, resolve);
    });
    server.unref();
    const location = path === null ? { host, port: (server.address() as AddressInfo).port } : { path };
    watchdogs = new Watchdogs(server, location, token);
    return watchdogs;
  }

  private accept(socket: Socket): void {
    socket.unref();
    socket.on('error', () => {});
    // The first line names the watchdog; nothing after it is read.
    const stop = readLines(
      socket,
      (line) => {
        stop();
        this.admit(socket, line);
      },
      { maxLineChars: HELLO_MAX_CHARS, overflow: () => socket.destroy() },
    );
  }

  /** Keep `socket` as a watchdog's if its first line carries this cluster's token. */
  private admit(socket: Socket, line: string): void {
    let token = '';
    try {
      token = String((JSON.parse(line) as { token?: unknown }).token ?? '');
    } catch {
      // not a watchdog
    }
    const expected = Buffer.from(this.token);
    const given = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    for (const epoch of this.outstanding) socket.write(`${epoch}\n`);
  }

  /** Tell every watchdog (now, or when it connects) about interrupt `epoch`. */
  interrupt(epoch: number): void {
    this.outstanding.add(epoch);
    for (const socket of this.sockets) socket.write(`${epoch}\n`);
  }

  /** Interrupt `epoch` is over (every engine is idle): late watchdogs need not hear of it. */
  settled(epoch: number): void {
    this.outstanding.delete(epoch);
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}
