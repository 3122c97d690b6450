/**
 * How a job ended early, as data ({@link JobCause}), its exit code ({@link exitCodeOf}) and
 * the one line (or few) tsmpirun prints for it ({@link describeCause}). The supervisor
 * (job.ts) decides the cause; tests assert on it rather than on the wording.
 */
import { constants } from 'node:os';
import { abortExitCode } from '../src/runtime/env.js';
import { DEADLOCK_EXIT_CODE } from './deadlock.js';

/** Exit code of a job stopped by --timeout (as timeout(1)). */
export const TIMEOUT_EXIT_CODE = 124;

/** A rank as the launcher knew it when it failed (`pid` undefined if it never started). */
export interface RankPlace {
  readonly rank: number;
  readonly pid: number | undefined;
  readonly host: string;
}

/**
 * Why a job ended before every rank finished well. The variants about one rank carry
 * `stopped`: how many other ranks were still running and were stopped because of it.
 */
export type JobCause =
  /** A rank exited with a non-zero code. */
  | { readonly kind: 'exit'; readonly place: RankPlace; readonly code: number; readonly stopped: number }
  /** A rank was killed by a signal. */
  | { readonly kind: 'signal'; readonly place: RankPlace; readonly signal: NodeJS.Signals; readonly stopped: number }
  /**
   * A rank ended after reporting an error: an uncaught exception or unhandled rejection
   * in its program (the runtime reports it), or a program that could not be started (the
   * spawner reports it). `code` null when it was killed by `signal`.
   */
  | {
      readonly kind: 'error';
      readonly place: RankPlace;
      readonly message: string;
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly stopped: number;
    }
  /** A rank called `Abort(code)`: the job stops whatever the code, even 0. */
  | { readonly kind: 'abort'; readonly place: RankPlace; readonly code: number; readonly stopped: number }
  /** A host could not be reached, its agent failed, or it stopped answering: its ranks are lost. */
  | { readonly kind: 'host-lost'; readonly host: string; readonly reason: string }
  /** --timeout ran out (each rank's waits were reported before). */
  | { readonly kind: 'timeout'; readonly seconds: number }
  /** tsmpirun received a signal (Ctrl-C, SIGTERM, SIGHUP, or SIGPIPE when its reader went away). */
  | { readonly kind: 'interrupted'; readonly signal: NodeJS.Signals }
  /** Every running rank waits for a message no rank will send. */
  | { readonly kind: 'deadlock'; readonly cycle: string; readonly calls: string | null };

/** The number of a signal (1 when Node does not know it). */
export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 1;
}

/**
 * The job's exit code for `cause`: the failed rank's (128 + the signal's number when killed,
 * as a shell reports it; the abort code's low 8 bits for Abort), 1 for a lost host, 124 for
 * --timeout, 128 + the signal's number when interrupted, 125 for a deadlock.
 */
export function exitCodeOf(cause: JobCause): number {
  switch (cause.kind) {
    case 'exit':
      return cause.code;
    case 'signal':
      return 128 + signalNumber(cause.signal);
    case 'error':
      return cause.signal !== null ? 128 + signalNumber(cause.signal) : (cause.code ?? 1);
    case 'abort':
      return abortExitCode(cause.code);
    case 'host-lost':
      return 1;
    case 'timeout':
      return TIMEOUT_EXIT_CODE;
    case 'interrupted':
      return 128 + signalNumber(cause.signal);
    case 'deadlock':
      return DEADLOCK_EXIT_CODE;
    default: {
      const unknown: never = cause;
      throw new Error(`unknown job cause ${JSON.stringify(unknown)}`);
    }
  }
}

/** `rank 3 (pid 4242 on h2)`. */
function where(place: RankPlace): string {
  return `rank ${place.rank} (pid ${place.pid ?? '?'} on ${place.host})`;
}

/** `; stopping the other 3 ranks` (nothing when no other rank was running). */
function stopping(stopped: number): string {
  return stopped > 0 ? `; stopping the other ${stopped} rank${stopped === 1 ? '' : 's'}` : '';
}

/**
 * What tsmpirun prints for `cause`: the lines (without newlines) naming the rank, its pid
 * and host, and what happened, e.g.
 * `tsmpirun: rank 1 (pid 4242 on h2) exited with code 3; stopping the other 3 ranks`.
 */
export function describeCause(cause: JobCause): string[] {
  switch (cause.kind) {
    case 'exit':
      return [`tsmpirun: ${where(cause.place)} exited with code ${cause.code}${stopping(cause.stopped)}`];
    case 'signal':
      return [`tsmpirun: ${where(cause.place)} was killed by signal ${cause.signal}${stopping(cause.stopped)}`];
    case 'error': {
      const how = cause.signal !== null ? `was killed by signal ${cause.signal}` : `exited with code ${cause.code ?? 1}`;
      return [`tsmpirun: ${where(cause.place)} ${how}: ${cause.message}${stopping(cause.stopped)}`];
    }
    case 'abort':
      return [`tsmpirun: ${where(cause.place)} called Abort(${cause.code})${stopping(cause.stopped)}`];
    case 'host-lost':
      return [`tsmpirun: host ${cause.host} failed: ${cause.reason}`];
    case 'timeout':
      return [`tsmpirun: job stopped after --timeout ${cause.seconds} s`];
    case 'interrupted':
      return [`tsmpirun: received ${cause.signal}; stopping all ranks`];
    case 'deadlock':
      return [
        `tsmpirun: deadlock: ${cause.cycle}`,
        ...(cause.calls === null ? [] : [`tsmpirun: deadlock: ${cause.calls}`]),
        `tsmpirun: no message is on its way that could wake any of them; stopped the job (exit code ${DEADLOCK_EXIT_CODE}; --no-deadlock-check turns this check off)`,
      ];
    default: {
      const unknown: never = cause;
      throw new Error(`unknown job cause ${JSON.stringify(unknown)}`);
    }
  }
}
