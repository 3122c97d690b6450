/**
 * What the example programs share on the command line: integer options, writing output files,
 * and ending with one clear line on bad input — on every rank, never a hang, never a stack trace.
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFsError, InputError } from './words.js';

/** A wrong command line: reported like an InputError, but exits with code 2. */
export class UsageError extends InputError {}

/** Exit code for an error: 2 for a wrong command line, 1 for anything else. */
export function exitCodeOf(error: InputError): number {
  return error instanceof UsageError ? 2 : 1;
}

/** Parse a whole number option (`--nwords 16`), at least `minimum`. */
export function integerOption(name: string, text: string | undefined, fallback: number, minimum: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < minimum || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${name} must be a whole number of at least ${minimum} (got '${text}')`);
  }
  return Number(text);
}

/** Write a file, turning a failure into one readable InputError. */
export function writeOutput(path: string, text: string, what: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new InputError(`cannot write ${what} '${path}': ${describeFsError(error)}`);
  }
}

/** Check early that `path` can be written (its directory exists and is writable; it is not a directory). */
export function checkWritable(path: string, what: string): void {
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    throw new InputError(`cannot write ${what} '${path}': ${describeFsError(error)}`);
  }
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isDirectory) throw new InputError(`cannot write ${what} '${path}': it is a directory`);
}

/** Run `body`; an InputError becomes the value returned, anything else (a bug) is rethrown. */
export function attempt<T>(body: () => T): { value: T; error: null } | { value: null; error: InputError } {
  try {
    return { value: body(), error: null };
  } catch (error) {
    if (error instanceof InputError) return { value: null, error };
    throw error;
  }
}

/** Print `program: message` and end the process with the error's exit code (single-process programs). */
export function failAndExit(program: string, error: InputError): never {
  process.stderr.write(`${program}: ${error.message}\n`);
  process.exit(exitCodeOf(error));
}
