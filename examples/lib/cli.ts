/**
 * What the example programs share on the command line: integer options, writing output files,
 * and ending with one clear line on bad input — on every rank, never a hang, never a stack trace.
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeFsError, InputError } from './words.js';

/** A wrong command line: reported like an InputError, but exits with code 2. */
export class UsageError extends InputError {}

/** Exit code for an error: 2 for a wrong command line, 1 for anything else. */
export function exitCodeOf(error: InputError): number {
  return error instanceof UsageError ? 2 : 1;
}

/** Parse a whole number option (`--nwords 16`), from `minimum` to `maximum`. */
export function integerOption(
  name: string,
  text: string | undefined,
  fallback: number,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < minimum || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${name} must be a whole number of at least ${minimum} (got '${text}')`);
  }
  if (Number(text) > maximum) throw new UsageError(`${name} must be at most ${maximum} (got '${text}')`);
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

/**
 * Check early that `path` can be written: it is not a directory and a file can really be
 * opened there. Permission bits are not enough (root passes `access()` on /proc, where
 * nothing can be created), so this opens the file — and removes it again if it was new.
 */
export function checkWritable(path: string, what: string): void {
  const fail = (reason: string): InputError => new InputError(`cannot write ${what} '${path}': ${reason}`);
  let existed = true;
  try {
    if (statSync(path).isDirectory()) throw fail('it is a directory');
  } catch (error) {
    if (error instanceof InputError) throw error;
    existed = false;
  }
  try {
    closeSync(openSync(path, existed ? 'r+' : 'wx'));
    if (!existed) unlinkSync(path);
  } catch (error) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    if (!missing || existed) throw fail(describeFsError(error));
    throw fail(existsSync(dirname(path)) ? 'no file can be created there' : `no such directory '${dirname(path)}'`);
  }
}

/**
 * Create directory `path` and its missing parents, one level at a time. Node 20's
 * `mkdirSync(path, { recursive: true })` spins forever on some paths (e.g. under /proc);
 * this stops at the first level that cannot be made and says why.
 */
export function makeDirectory(path: string, what: string): void {
  const levels: string[] = [];
  for (let level = resolve(path); ; level = dirname(level)) {
    levels.unshift(level);
    if (dirname(level) === level) break;
  }
  for (const level of levels) {
    try {
      if (statSync(level).isDirectory()) continue;
      throw new InputError(`cannot create ${what} '${path}': '${level}' is not a directory`);
    } catch (error) {
      if (error instanceof InputError) throw error;
    }
    try {
      mkdirSync(level);
    } catch (error) {
      const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
      throw new InputError(`cannot create ${what} '${path}': ${missing ? 'no directory can be created there' : describeFsError(error)}`);
    }
  }
  checkWritable(join(path, `.tsmpi-write-check-${process.pid}`), what);
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
