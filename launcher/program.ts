/**
 * Preflight of the program a local job runs, so the commonest slip — naming a script
 * without its interpreter (`tsmpirun -np 2 hello.js`) — gives one line with the fix
 * instead of a spawn error per rank.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { resolveCommand } from './spawners/ssh.js';

/** Why `program` cannot be started from `cwd`, with the exit code a shell would use (126/127); null if it can. */
export function programProblem(program: string, cwd: string, path: string | undefined): { message: string; exitCode: number } | null {
  const resolved = resolveCommand(program, path);
  const file = resolve(cwd, resolved);
  const script = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].includes(extname(program));
  const hint = script ? `; a JavaScript program is run by node: tsmpirun [options] node ${program}` : '';
  if (!program.includes('/') && resolved === program) {
    // Not on PATH. A script of that name in the working directory is the usual reason.
    if (script && isFile(resolve(cwd, program)))
      return { message: `cannot run '${program}': it is not a command on PATH${hint}`, exitCode: 127 };
    return { message: `cannot run '${program}': no such command on PATH`, exitCode: 127 };
  }
  if (!isFile(file)) return { message: `cannot run '${program}': no such file`, exitCode: 127 };
  try {
    accessSync(file, fsConstants.X_OK);
  } catch {
    return { message: `cannot run '${program}': the file is not executable${hint}`, exitCode: 126 };
  }
  return null;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
