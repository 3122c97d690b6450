import { TextDecoder } from 'node:util';
/**
 * Line-buffered forwarding of every rank's stdout and stderr: text is written one
 * whole line at a time, so two ranks' output never shares a line. With tags, each
 * line starts with `[rank] `. A rank's unterminated last line is flushed when it exits.
 */

export interface OutputTarget {
  write(stream: 'stdout' | 'stderr', text: string): void;
}

export const processOutput: OutputTarget = {
  write(stream, text) {
    (stream === 'stdout' ? process.stdout : process.stderr).write(text);
  },
};

/**
 * zeromq.js (6.x) prints this from its exit hook when a process takes over 500 ms to
 * deliver the messages it queued before exiting. For tsmpi that wait is the guarantee
 * ("messages sent before exit are delivered"), and the advice it gives (blocky = false)
 * would drop them, so the line is not forwarded.
 */
const ZMQ_EXIT_NOTICE = /^\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\..*\n/gm;

export class OutputForwarder {
  private readonly partial = new Map<string, string>();
  private readonly decoders = new Map<string, TextDecoder>();

  constructor(
    private readonly target: OutputTarget,
    private readonly tag: boolean,
  ) {}

  /** Forward a chunk of a rank's output; complete lines go out now, the rest waits. */
  write(rank: number, stream: 'stdout' | 'stderr', chunk: Uint8Array): void {
    const key = `${rank}:${stream}`;
    let decoder = this.decoders.get(key);
    if (decoder === undefined) {
      decoder = new TextDecoder('utf-8');
      this.decoders.set(key, decoder);
    }
    const text = (this.partial.get(key) ?? '') + decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.partial.set(key, text);
      return;
    }
    this.partial.set(key, text.slice(end + 1));
    this.emit(rank, stream, text.slice(0, end + 1));
  }

  /** Flush a rank's unterminated lines (at its exit). */
  flush(rank: number): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${rank}:${stream}`;
      const rest = (this.partial.get(key) ?? '') + (this.decoders.get(key)?.decode() ?? '');
      this.partial.delete(key);
      if (rest !== '') this.emit(rank, stream, `${rest}\n`);
    }
  }

  private emit(rank: number, stream: 'stdout' | 'stderr', lines: string): void {
    if (stream === 'stderr' && ZMQ_EXIT_NOTICE.test(lines)) {
      lines = lines.replace(ZMQ_EXIT_NOTICE, '');
      if (lines === '') return;
    }
    if (!this.tag) {
      this.target.write(stream, lines);
      return;
    }
    const prefix = `[${rank}] `;
    this.target.write(stream, prefix + lines.slice(0, -1).split('\n').join(`\n${prefix}`) + '\n');
  }
}
