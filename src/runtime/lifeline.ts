/**
 * The rank's end of the lifeline to its launcher (see env.ts for the protocol).
 * Writes are synchronous so that a message sent just before `process.exit` (an abort,
 * an uncaught error) is not lost. Reading never keeps the process alive on its own.
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { readJsonLines } from '../util/lines.js';
import type { ToLauncher, ToRank } from './env.js';

export class Lifeline {
  private readonly socket: Socket;
  private readonly listeners = new Set<(message: ToRank) => void>();
  private lost: (() => void) | null = null;

  constructor(private readonly fd: number) {
    this.socket = new Socket({ fd, readable: true, writable: false });
    readJsonLines<ToRank>(this.socket, (message) => {
      if (message !== null) for (const listener of [...this.listeners]) listener(message);
    });
    const gone = (): void => this.lost?.();
    this.socket.on('end', gone);
    this.socket.on('close', gone);
    this.socket.on('error', gone);
  }

  /** Call `handler` once the launcher is gone (EOF on the lifeline). */
  onLost(handler: () => void): void {
    this.lost = handler;
  }

  on(listener: (message: ToRank) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wait for the first message of `kind`. */
  next<K extends ToRank['kind']>(kind: K): Promise<Extract<ToRank, { kind: K }>> {
    return new Promise((resolve) => {
      const off = this.on((message) => {
        if (message.kind !== kind) return;
        off();
        resolve(message as Extract<ToRank, { kind: K }>);
      });
    });
  }

  send(message: ToLauncher): void {
    const line = `${JSON.stringify(message)}\n`;
    try {
      writeSync(this.fd, line);
    } catch {
      // The launcher is gone; onLost handles that.
    }
  }

  /** Stop the lifeline from keeping the event loop alive (it still delivers events). */
  unref(): void {
    this.socket.unref();
  }

  ref(): void {
    this.socket.ref();
  }
}
