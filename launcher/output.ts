/**
 * Forwarding of every rank's stdout and stderr, byte for byte.
 *
 * - Bytes are never decoded or changed: binary output (an image, gzip data) arrives
 *   exactly as the rank wrote it.
 * - One rank without tags: its output is passed through as it comes (a prompt without a
 *   newline shows at once).
 * - Several ranks, or --tag-output: output goes out a whole line at a time, so two
 *   ranks' text never shares a line; tags prefix each line with `[rank] `. Of a line longer
 *   than {@link MAX_HELD_BYTES}, that much is written and the rest follows as it comes:
 *   meanwhile the other ranks' output to that stream waits (their sources are paused)
 *   until the line ends or its rank exits, so memory stays bounded and lines whole.
 * - An unterminated last line goes out as it is, at the rank's exit: tsmpirun adds a
 *   newline only where another rank's output would otherwise continue that line.
 * - Backpressure: each chunk comes with a `done` callback, called once the destination
 *   can take more (at once, unless its buffer is full). Sources wait for it before
 *   reading more, so a slow reader slows the ranks instead of growing this process.
 */

import { TRANSPORT_EXIT_NOTICE } from '../src/runtime/env.js';
import { whenWritable } from './streams.js';

export type StreamName = 'stdout' | 'stderr';

/** Where forwarded bytes go (the launcher's own stdout and stderr, or a test's collector). */
export interface OutputTarget {
  /** Write bytes; returns false when the destination's buffer is full. */
  write(stream: StreamName, bytes: Uint8Array): boolean;
  /** Call `callback` once `stream` can take more, or is gone (after `write` returned false). */
  whenDrained(stream: StreamName, callback: () => void): void;
}

export const processOutput: OutputTarget = {
  write: (stream, bytes) => (stream === 'stdout' ? process.stdout : process.stderr).write(bytes),
  whenDrained: (stream, callback) => whenWritable(stream === 'stdout' ? process.stdout : process.stderr, callback),
};

/** The most of one rank's unterminated line held back for line atomicity. */
export const MAX_HELD_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/** The runtime's transport's exit notice (src/transport/exit-notice.ts), left out of a rank's stderr. */
const EXIT_NOTICE_MARK = Buffer.from(TRANSPORT_EXIT_NOTICE.mark);
/** Bytes of a line enough to recognise the notice, which starts its line (a long line is not decoded whole). */
const EXIT_NOTICE_PREFIX_BYTES = 200;

export interface ForwarderOptions {
  /** Prefix every line with `[rank] `. */
  readonly tag: boolean;
  /** Number of ranks in the job (one untagged rank's output passes straight through). */
  readonly ranks: number;
}

export class OutputForwarder {
  /** Bytes of each rank's current line not yet written (key `rank:stream`). */
  private readonly held = new Map<string, Buffer>();
  /** Per stream: the rank whose output last left the line open, or null at a line start. */
  private readonly open: Record<StreamName, number | null> = { stdout: null, stderr: null };
  /** Per stream: the rank in the middle of writing a long line; the others wait. */
  private readonly owner: Record<StreamName, number | null> = { stdout: null, stderr: null };
  private readonly waiting: Record<StreamName, { rank: number; chunk: Uint8Array; done: () => void }[]> = { stdout: [], stderr: [] };
  /** Ranks that exited while output of theirs was still waiting: flushed once it is through. */
  private readonly exited: Record<StreamName, Set<number>> = { stdout: new Set(), stderr: new Set() };
  private readonly releasing: Record<StreamName, boolean> = { stdout: false, stderr: false };
  private readonly raw: boolean;

  constructor(
    private readonly target: OutputTarget,
    private readonly options: ForwarderOptions,
  ) {
    this.raw = !options.tag && options.ranks === 1;
  }

  /** Forward a chunk of a rank's output; `done` runs once the destination can take more. */
  write(rank: number, stream: StreamName, chunk: Uint8Array, done: () => void = () => {}): void {
    const owner = this.owner[stream];
    const queue = this.waiting[stream];
    // Behind another rank's long line, or behind this rank's own output waiting there: queue, in order.
    if ((owner !== null && owner !== rank) || queue.some((item) => item.rank === rank)) {
      queue.push({ rank, chunk, done });
      return;
    }
    this.forward(rank, stream, chunk, done);
  }

  /** A rank exited: write what it left unterminated, as it is (after its output still waiting). */
  flush(rank: number): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.waiting[stream].some((item) => item.rank === rank)) this.exited[stream].add(rank);
      else this.flushNow(rank, stream);
    }
  }

  private flushNow(rank: number, stream: StreamName): void {
    const key = `${rank}:${stream}`;
    const rest = this.held.get(key);
    this.held.delete(key);
    if (rest !== undefined && rest.length > 0) this.emit(rank, stream, rest);
    if (this.owner[stream] === rank) this.release(stream);
  }

  private forward(rank: number, stream: StreamName, chunk: Uint8Array, done: () => void): void {
    let ok: boolean;
    if (this.raw && stream === 'stdout') ok = this.emit(rank, stream, chunk);
    else ok = this.lines(rank, stream, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (ok) done();
    else this.target.whenDrained(stream, done);
  }

  /**
   * The long line on `stream` ended: let the waiting output through, each rank's in its
   * order (a rank that starts a long line of its own holds the rest back again).
   */
  private release(stream: StreamName): void {
    this.owner[stream] = null;
    if (this.releasing[stream]) return; // the loop below is already running further up the stack
    this.releasing[stream] = true;
    const queue = this.waiting[stream];
    try {
      let progressed = true;
      while (progressed) {
        progressed = false;
        const blocked = new Set<number>();
        for (let i = 0; i < queue.length;) {
          const item = queue[i] as (typeof queue)[number];
          const owner = this.owner[stream];
          if (blocked.has(item.rank) || (owner !== null && owner !== item.rank)) {
            blocked.add(item.rank);
            i++;
            continue;
          }
          queue.splice(i, 1);
          this.forward(item.rank, stream, item.chunk, item.done);
          progressed = true;
        }
        for (const rank of [...this.exited[stream]]) {
          if (queue.some((item) => item.rank === rank)) continue;
          this.exited[stream].delete(rank);
          this.flushNow(rank, stream);
          progressed = true;
        }
      }
    } finally {
      this.releasing[stream] = false;
    }
  }

  /** One line of the launcher's own (on a line of its own, even after a rank's unterminated one). */
  note(stream: StreamName, line: string): void {
    if (this.open[stream] !== null) this.target.write(stream, Buffer.from('\n'));
    this.open[stream] = null;
    this.target.write(stream, Buffer.from(`${line}\n`));
  }

  private lines(rank: number, stream: StreamName, chunk: Buffer): boolean {
    const key = `${rank}:${stream}`;
    const before = this.held.get(key) ?? EMPTY;
    const end = chunk.lastIndexOf(NEWLINE);
    if (end < 0) {
      const held = before.length === 0 ? Buffer.from(chunk) : Buffer.concat([before, chunk]);
      if (held.length <= MAX_HELD_BYTES) {
        this.held.set(key, held);
        return true;
      }
      this.held.delete(key);
      this.owner[stream] = rank;
      return this.emit(rank, stream, held);
    }
    const complete = before.length === 0 ? chunk.subarray(0, end + 1) : Buffer.concat([before, chunk.subarray(0, end + 1)]);
    if (end + 1 < chunk.length) this.held.set(key, Buffer.from(chunk.subarray(end + 1)));
    else this.held.delete(key);
    const ok = this.emit(rank, stream, stream === 'stderr' ? withoutExitNotice(complete) : complete);
    if (this.owner[stream] === rank) this.release(stream);
    return ok;
  }

  /** Write bytes of `rank`: on a line of their own if another rank left one open, tagged if asked. */
  private emit(rank: number, stream: StreamName, bytes: Buffer | Uint8Array): boolean {
    if (bytes.length === 0) return true;
    const parts: Uint8Array[] = [];
    const open = this.open[stream];
    if (open !== null && open !== rank) parts.push(Buffer.from('\n'));
    if (!this.options.tag) parts.push(bytes);
    else {
      const prefix = Buffer.from(`[${rank}] `);
      let start = 0;
      let atLineStart = open !== rank;
      while (start < bytes.length) {
        const newline = bytes.indexOf(NEWLINE, start);
        const stop = newline < 0 ? bytes.length : newline + 1;
        if (atLineStart) parts.push(prefix);
        parts.push(bytes.subarray(start, stop));
        atLineStart = newline >= 0;
        start = stop;
      }
    }
    this.open[stream] = bytes[bytes.length - 1] === NEWLINE ? null : rank;
    return this.target.write(stream, parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts));
  }
}

/** Complete lines without the transport's exit notice (bytes untouched otherwise). */
function withoutExitNotice(lines: Buffer): Buffer {
  if (!lines.includes(EXIT_NOTICE_MARK)) return lines;
  const kept: Buffer[] = [];
  let start = 0;
  while (start < lines.length) {
    const newline = lines.indexOf(NEWLINE, start);
    const stop = newline < 0 ? lines.length : newline + 1;
    const line = lines.subarray(start, stop);
    if (!TRANSPORT_EXIT_NOTICE.line.test(line.subarray(0, EXIT_NOTICE_PREFIX_BYTES).toString('latin1'))) kept.push(line);
    start = stop;
  }
  return Buffer.concat(kept);
}
