/** The local launch mode: every rank on this host, started by child_process. */
import { availableParallelism } from 'node:os';
import { LaunchError } from '../launch-error.js';
import { formatMap } from '../placement.js';
import { plan } from '../plan.js';
import { programProblem } from '../program.js';
import { ENV } from '../../src/runtime/env.js';
import { LocalSpawner } from '../spawners/local.js';
import { fitsHere, range, type Launches, type ModeInput } from './mode.js';

/**
 * -np ranks (default: one per core) on this host.
 * @throws LaunchError when the program cannot be run, or the host cannot hold the job
 */
export function localMode(input: ModeInput): Launches {
  const problem = programProblem(input.program, input.cwd, input.path);
  if (problem !== null) throw new LaunchError(problem.message, problem.exitCode);
  const cores = availableParallelism();
  const np = input.np ?? cores;
  fitsHere({ np, localRanks: np, sshSessions: 0 }, input.cwd);
  if (np > cores) input.note(`tsmpirun: note: ${np} ranks on ${cores} cores (oversubscribed); ranks will take turns on the cores`);
  const placement = [{ host: input.here, ranks: range(np) }];
  if (input.displayMap)
    input.note(formatMap([{ host: input.here, slots: cores, source: 'this host' }], { np, placement }, { mapBy: 'slot' }));
  const launches = plan({
    size: np,
    placement,
    command: input.program,
    args: input.args,
    cwd: input.cwd,
    jobId: input.jobId,
    exported: input.exported,
    hostEnv: () => ({ [ENV.jobDir]: input.jobDir }),
  });
  const local = new LocalSpawner();
  return { np, launches, spawnerFor: () => local };
}
