/**
 * The launcher's own error: what tsmpirun refuses before or while starting a job. Any
 * module of the launcher may throw it; cli.ts prints it as one line and exits with its code.
 */

/** A launcher error: printed as one line `tsmpirun: <message>` with exit code 2 (usage) or 1. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}
