/**
 * A launch mode turns the job tsmpirun was asked for into launches: the ranks of each host
 * and the spawner that starts them (PRRTE's shape: one component per way of starting
 * processes, picked by select.ts). Modes: local.ts (this host), hosts.ts (a hostfile or
 * -H, other hosts over ssh), slurm.ts (inside a Slurm allocation, through srun).
 */
import { statSync } from 'node:fs';
import type { MapBy } from '../placement.js';
import { checkLimits, readLimits, type LocalLoad } from '../limits.js';
import { LaunchError } from '../launch-error.js';
import type { HostLaunch, Spawner } from '../spawners/spawner.js';
import type { SshOptions } from '../spawners/ssh.js';

/** What every mode is given: the job as the command line asked for it. */
export interface ModeInput {
  readonly program: string;
  readonly args: readonly string[];
  /** Working directory of every rank (absolute). */
  readonly cwd: string;
  /** Variables every rank gets (tsmpirun's own, -x, collectives, tracing). */
  readonly exported: Readonly<Record<string, string>>;
  /** The job's private directory on this host (ipc endpoints) and the job id (its suffix). */
  readonly jobDir: string;
  readonly jobId: string;
  /** This host's name. */
  readonly here: string;
  /** -np, when given. */
  readonly np: number | undefined;
  readonly mapBy: MapBy;
  readonly oversubscribe: boolean;
  readonly displayMap: boolean;
  readonly ifInclude: string | undefined;
  /** How other hosts are reached (hosts mode). */
  readonly ssh: SshOptions;
  /** tsmpirun's PATH, to find the program as a shell would. */
  readonly path: string | undefined;
  /** One line for the user on stderr (notes, --display-map). */
  readonly note: (line: string) => void;
}

/** A mode's answer: how many ranks, each host's launch, and the spawner of each host. */
export interface Launches {
  readonly np: number;
  readonly launches: readonly HostLaunch[];
  readonly spawnerFor: (host: string) => Spawner;
}

/**
 * Refuse, before anything starts, a job this host cannot hold (process and descriptor
 * limits, see limits.ts) or whose local ranks' working directory is missing (`cwd` null:
 * no rank runs here).
 * @throws LaunchError naming the limit or the directory
 */
export function fitsHere(load: LocalLoad, cwd: string | null): void {
  const refusal = checkLimits(load, readLimits());
  if (refusal !== null) throw new LaunchError(refusal);
  if (cwd === null) return;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    throw new LaunchError(`working directory ${cwd} does not exist (--wdir)`);
  }
  if (!isDirectory) throw new LaunchError(`working directory ${cwd} is not a directory (--wdir)`);
}

/** 0, 1, …, n - 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index);
}
