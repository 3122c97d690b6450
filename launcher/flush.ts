/**
 * Exiting without losing output. When stdout or stderr is a pipe whose reader is slower
 * than the job (`tsmpirun … | less`, an ssh session), Node queues writes, and
 * `process.exit` would drop what is still queued: wait until both have been handed to
 * the operating system first.
 */

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  // A write's callback runs once everything written before it has been flushed (or failed).
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Exit with `code` once stdout and stderr have been flushed. */
export async function flushThenExit(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
