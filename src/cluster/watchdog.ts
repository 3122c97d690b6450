/**
 * An engine's interrupt watchdog, a worker thread with a connection of its own to the
 * client. A call that awaits something is stopped by the engine itself when the
 * `interrupt` message reaches it; a call that computes without ever yielding keeps the
 * engine's thread busy, and no message reaches it. The watchdog hears the same interrupt;
 * if the engine has not acknowledged it within {@link GRACE_MS} while a call is still
 * running, it ends the JavaScript running on the engine's thread through the inspector
 * (`Runtime.terminateExecution`, as the REPL's Ctrl-C does), then tells the engine,
 * which answers the call `interrupted` and goes on.
 *
 * The connection is a plain stream socket (unix socket on this host, TCP across hosts),
 * not zeromq: a zeromq socket in a worker thread aborts the process when the worker ends
 * (zeromq 6.8, "terminate called after throwing an instance of 'Napi::Error'"). It
 * carries nothing but interrupt numbers, after a token that proves the watchdog belongs
 * to the cluster.
 *
 * Race, accepted: a call that finishes by itself at the very moment the grace runs out
 * may have the engine's next few instructions terminated instead; the engine then
 * treats the call as interrupted all the same.
 */
import { Session } from 'node:inspector';
import { createConnection } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { readLines } from '../util/lines.js';
import type { ConnectInfo } from './protocol.js';

/** Indices into the Int32Array shared with the engine. */
export const RUNNING = 0;
export const INTERRUPT_ACK = 1;
/** How long an engine may take to notice an interrupt itself before its thread is terminated. */
export const GRACE_MS = 300;

export interface WatchdogData {
  readonly info: ConnectInfo;
  readonly rank: number;
  readonly shared: Int32Array;
}

function interrupt(data: WatchdogData, epoch: number): void {
  const deadline = Date.now() + GRACE_MS;
  // Wait for the engine's acknowledgement (it handles the interrupt itself when it is not busy).
  for (let ack = Atomics.load(data.shared, INTERRUPT_ACK); ack < epoch; ack = Atomics.load(data.shared, INTERRUPT_ACK)) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(data.shared, INTERRUPT_ACK, ack, left);
  }
  if (Atomics.load(data.shared, INTERRUPT_ACK) >= epoch || Atomics.load(data.shared, RUNNING) === 0) return;
  // A session only while needed: a process with a session attached waits for it at exit.
  const session = new Session();
  session.connectToMainThread();
  session.post('Runtime.terminateExecution', () => session.disconnect());
  parentPort?.postMessage(epoch);
}

function watch(data: WatchdogData): void {
  const { watchdog, token } = data.info;
  const socket = 'path' in watchdog ? createConnection(watchdog.path) : createConnection(watchdog.port, watchdog.host);
  socket.write(`${JSON.stringify({ token, rank: data.rank })}\n`);
  readLines(socket, (line) => {
    const epoch = Number(line);
    if (Number.isSafeInteger(epoch)) interrupt(data, epoch);
  });
  socket.on('error', () => {});
  // The engine ends its watchdog before exiting.
  parentPort?.once('message', () => socket.destroy());
}

if (parentPort !== null && workerData !== null && workerData !== undefined) watch(workerData as WatchdogData);
