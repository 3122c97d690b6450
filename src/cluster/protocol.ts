/**
 * What a Cluster client and its engines say to each other over the control channel
 * (src/transport/channel.ts), and how a function travels: as its source text.
 *
 * The client first writes one JSON line, {@link ConnectInfo}, to the launcher's stdin;
 * rank 0 reads it and broadcasts it to the other engines. Every engine then connects a
 * DEALER with routing id `e<rank>` and says `ready`; its interrupt watchdog (watchdog.ts)
 * connects a plain stream socket and sends `{"token", "rank"}`, then receives one interrupt
 * epoch per line. Calls carry an id; an engine runs them one at a time, in arrival order,
 * and answers each with `done`, `failed` or `interrupted`. The end of rank 0's stdin
 * means the client is gone: the engines stop.
 */
import { MpiError } from '../errors.js';
import type { ChannelKeys } from '../transport/channel.js';

/** The first line on rank 0's stdin. */
export interface ConnectInfo {
  /** The client's control channel. */
  readonly endpoint: string;
  readonly keys: ChannelKeys | null;
  /** Where each engine's watchdog connects (a unix socket path, or host and port). */
  readonly watchdog: { readonly path: string } | { readonly host: string; readonly port: number };
  /** The watchdog's first line: proves it belongs to this cluster. */
  readonly token: string;
}

/** Messages from the client to an engine (or its watchdog). */
export type ToEngine =
  | { readonly kind: 'call'; readonly id: number; readonly source: string; readonly args: readonly unknown[] }
  | { readonly kind: 'run'; readonly id: number; readonly module: string; readonly name: string; readonly args: readonly unknown[] }
  | { readonly kind: 'chunk'; readonly id: number; readonly source: string; readonly items: readonly unknown[]; readonly spread: boolean }
  | { readonly kind: 'interrupt'; readonly epoch: number }
  | { readonly kind: 'close' };

/** What went wrong in a call on one engine. */
export interface EngineFailure {
  readonly rank: number;
  readonly name: string;
  readonly message: string;
  /** The engine-side stack, as the engine printed it. */
  readonly stack: string;
  /** For `X is not defined`: X (most likely a variable of the client). */
  readonly undefinedName?: string;
  /** For map: the index (in the input) of the item that failed. */
  readonly item?: number;
}

/** Messages from an engine to the client. */
export type FromEngine =
  | { readonly kind: 'ready'; readonly rank: number; readonly size: number; readonly pid: number; readonly host: string }
  | { readonly kind: 'done'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'failed'; readonly id: number; readonly failure: EngineFailure }
  | { readonly kind: 'interrupted'; readonly id: number }
  | { readonly kind: 'idle'; readonly epoch: number };

/** Routing id of rank `rank`'s engine. */
export const engineId = (rank: number): string => `e${rank}`;

/** Narrow a decoded value to a message with a string `kind` (the sender is ours; the shape is trusted). */
export function asMessage<T extends { kind: string }>(value: unknown): T | null {
  if (typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string') return value as T;
  return null;
}

/**
 * The source text of `fn` as an expression the engine can evaluate. Method shorthand
 * (`square(x) { ... }`) becomes a function expression. Checked by compiling it here
 * (nothing runs), so a function that cannot travel fails before anything is sent.
 * @throws ERR_ARG when `fn` is not a function, or is native or bound (no source to send)
 */
export function functionSource(fn: unknown, operation: string): string {
  if (typeof fn !== 'function')
    throw new MpiError('ERR_ARG', `${operation}: expected a function (got ${fn === null ? 'null' : typeof fn})`);
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}$/.test(text)) {
    throw new MpiError(
      'ERR_ARG',
      `${operation}: '${(fn as { name?: string }).name || 'function'}' is native or bound and has no source to send; wrap it: (...args) => f(...args) with f defined inside`,
    );
  }
  for (const candidate of [
    text,
    `function ${text}`,
    text.replace(/^async\s+/, 'async function '),
    text.replace(/^(async\s+)?\*/, '$1function*'),
  ]) {
    try {
      new Function(`return (${candidate}\n);`);
      return candidate;
    } catch {
      // try the next spelling
    }
  }
  throw new MpiError('ERR_ARG', `${operation}: the function's source text does not compile on its own: ${text.slice(0, 80)}`);
}
