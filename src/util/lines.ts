/**
 * Reading a text stream line by line, and JSON lines: the one reader behind every
 * newline-delimited protocol (a rank's lifeline, the launch agent's pipes, the foreign
 * launchers' rendezvous, a Cluster's launcher output, its watchdogs and its engines'
 * connection line). It imports nothing, so both the runtime and the launcher may use it
 * (eslint.config.js).
 */

/** How {@link readLines} treats an overlong line and the end of the stream. */
export interface ReadLinesOptions {
  /**
   * Longest line kept while waiting for its newline. A longer one (a peer that streams
   * without newlines) stops reading and calls `overflow`. Default: no limit.
   */
  readonly maxLineChars?: number;
  /** Called once when a line grows past `maxLineChars`; the usual answer destroys the stream. */
  readonly overflow?: () => void;
  /** Hand an unterminated last line to `line` when the stream ends; default: dropped. */
  readonly lastLine?: boolean;
}

/**
 * Call `line` with every line of `stream` (read as UTF-8), without its newline, in order.
 * Returns a function that stops reading: no line is delivered after it was called, not
 * even the rest of the chunk in hand, and later data is discarded.
 */
export function readLines(stream: NodeJS.ReadableStream, line: (text: string) => void, options: ReadLinesOptions = {}): () => void {
  const { maxLineChars = Infinity, overflow, lastLine = false } = options;
  let tail = '';
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    tail = '';
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (stopped) return;
    tail += chunk;
    let newline: number;
    while (!stopped && (newline = tail.indexOf('\n')) >= 0) {
      const text = tail.slice(0, newline);
      tail = tail.slice(newline + 1);
      line(text);
    }
    if (!stopped && tail.length > maxLineChars) {
      stop();
      overflow?.();
    }
  });
  if (lastLine)
    stream.on('end', () => {
      if (!stopped && tail !== '') line(tail);
      tail = '';
    });
  return stop;
}

/**
 * One JSON line as a protocol message: an object with a string `kind`, or null for
 * anything else (not JSON, or JSON of another shape). The caller narrows the kind.
 */
export function parseJsonLine<T extends { kind: string }>(text: string): T | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string') return value as T;
  } catch {
    // not JSON: reported as null
  }
  return null;
}

/**
 * {@link readLines} for a JSON-lines protocol: `message` gets each line parsed by
 * {@link parseJsonLine} (null for a line that is not a message) with the line's text.
 */
export function readJsonLines<T extends { kind: string }>(
  stream: NodeJS.ReadableStream,
  message: (value: T | null, text: string) => void,
  options: ReadLinesOptions = {},
): () => void {
  return readLines(stream, (text) => message(parseJsonLine<T>(text), text), options);
}
