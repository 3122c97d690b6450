/**
 * An in-memory network of CollPorts for unit tests of the collective algorithms:
 * per-(source, dest) FIFO queues, values cloned like a real transport, messages counted.
 */
import assert from 'node:assert/strict';
import { isMarker } from '../../src/collectives/marker.js';
import type { CollPort } from '../../src/collectives/port.js';
import { MpiError, type ErrorCode } from '../../src/errors.js';

export interface Counted extends CollPort {
  sent: number;
  received: number;
}

/**
 * Lands a received typed array in the receiver's `into` (as the engine does for large
 * rendezvous payloads) when it fits, and says where it went; null: received values stay fresh.
 */
export type Landing = ((value: unknown, into: Uint8Array) => void) | null;

/** `into` honoured as the engine honours it: a typed array that fits is copied there and arrives as a view of it. */
function land(value: unknown, into: Uint8Array | undefined, landed: Landing): unknown {
  if (landed === null || into === undefined || !ArrayBuffer.isView(value) || value instanceof DataView) return value;
  if (value.byteLength === 0 || value.byteLength > into.byteLength) return value;
  into.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  landed(value, into);
  const Ctor = value.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;
  const width = (value as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(into.buffer, into.byteOffset, value.byteLength / width);
}

/**
 * p ports over FIFO queues; `run` gets each rank's port and returns its result. With
 * `landed`, a receive's `into` hint is honoured (see {@link Landing}).
 */
export async function network<T>(
  size: number,
  body: (port: Counted) => Promise<T>,
  landed: Landing = null,
): Promise<{ results: PromiseSettledResult<T>[]; ports: Counted[] }> {
  const queues = new Map<string, { values: unknown[]; waiters: ((value: unknown) => void)[] }>();
  const queue = (source: number, dest: number) => {
    const key = `${source}>${dest}`;
    let entry = queues.get(key);
    if (entry === undefined) queues.set(key, (entry = { values: [], waiters: [] }));
    return entry;
  };
  const ports: Counted[] = Array.from({ length: size }, (_, rank) => {
    const port: Counted = {
      rank,
      size,
      sent: 0,
      received: 0,
      async send(value, dest) {
        assert.ok(Number.isInteger(dest) && dest >= 0 && dest < size && dest !== rank, `rank ${rank} sends to ${dest}`);
        let copy: unknown;
        try {
          // A marker travels as the message header's error flag, not as a value: it arrives as a marker.
          copy = isMarker(value) ? value : structuredClone(value);
        } catch (error) {
          throw new MpiError('ERR_CODEC', 'send: value cannot be encoded', { cause: error });
        }
        port.sent++;
        const entry = queue(rank, dest);
        const waiter = entry.waiters.shift();
        if (waiter) waiter(copy);
        else entry.values.push(copy);
      },
      recv(source, into) {
        assert.ok(Number.isInteger(source) && source >= 0 && source < size && source !== rank, `rank ${rank} receives from ${source}`);
        port.received++;
        const entry = queue(source, rank);
        if (entry.values.length > 0) return Promise.resolve(land(entry.values.shift(), into, landed));
        return new Promise((resolve) => entry.waiters.push((value) => resolve(land(value, into, landed))));
      },
    };
    return port;
  });
  const results = await Promise.allSettled(ports.map((port) => body(port)));
  for (const [key, entry] of queues) assert.equal(entry.values.length, 0, `unreceived messages ${key}`);
  return { results, ports };
}

export function values<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

export function codes(results: PromiseSettledResult<unknown>[]): (ErrorCode | 'ok')[] {
  return results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as MpiError).code));
}
