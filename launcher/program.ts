/**
 * The program a job runs, found as a shell would: on this host (with a preflight of a
 * local job's program, so the commonest slip — naming a script without its interpreter
 * (`tsmpirun -np 2 hello.js`) — gives one line with the fix instead of a spawn error per
 * rank) and the command other hosts run for it.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { basename, delimiter, extname, join, resolve } from 'node:path';

/** Resolve a command name the way a shell would on this host (absolute paths pass through). */
export function resolveCommand(command: string, path: string | undefined): string {
  if (command.includes('/')) return command;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return command;
}

/** Is `program` node itself (`node`, `nodejs`, or a path to one)? */
export function isNodeCommand(program: string): boolean {
  return basename(program) === 'node' || basename(program) === 'nodejs';
}

/**
 * The command a remote host runs for `program`: found at the path it has on this host,
 * and node is the same node the host's agent runs on (`--node`, else this launcher's).
 */
export function remoteProgram(program: string, node: string, path: string | undefined): string {
  return isNodeCommand(program) ? node : resolveCommand(program, path);
}

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
