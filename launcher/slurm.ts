/**
 * Pure: a Slurm allocation as tsmpirun sees it from inside `salloc` or an `sbatch` script
 * (SLURM_JOB_ID set, no SLURM_STEP_ID), and Slurm's compressed list formats.
 */
import { ENV } from '../src/runtime/env.js';
import { LaunchError } from './launch-error.js';
import type { HostLaunch } from './spawners/spawner.js';

/** One node of the allocation and how many tasks Slurm gives it. */
export interface AllocatedNode {
  readonly host: string;
  readonly slots: number;
}

export interface SlurmAllocation {
  readonly jobId: string;
  readonly nodes: readonly AllocatedNode[];
}

/**
 * Expand a Slurm hostlist: `h[1-3],x5` → h1 h2 h3 x5; `n[007-009]` keeps the zero padding;
 * `a[1,3-4]b` works too (one bracket per name).
 * @throws LaunchError on an unbalanced bracket or a bad range
 */
export function expandNodelist(text: string): string[] {
  const out: string[] = [];
  // Split on commas outside brackets.
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text.trim()) {
    if (char === '[') depth++;
    if (char === ']') depth--;
    if (depth < 0 || depth > 1) throw new LaunchError(`SLURM_JOB_NODELIST=${text}: unbalanced brackets`);
    if (char === ',' && depth === 0) {
      names.push(current);
      current = '';
    } else current += char;
  }
  if (depth !== 0) throw new LaunchError(`SLURM_JOB_NODELIST=${text}: unbalanced brackets`);
  names.push(current);
  for (const name of names) {
    if (name === '') continue;
    const match = /^([^[]*)\[([^\]]*)\](.*)$/.exec(name);
    if (match === null) {
      out.push(name);
      continue;
    }
    const [, prefix = '', ranges = '', suffix = ''] = match;
    for (const range of ranges.split(',')) {
      const bounds = /^(\d+)(?:-(\d+))?$/.exec(range);
      if (bounds === null) throw new LaunchError(`SLURM_JOB_NODELIST=${text}: '${range}' is not a number or a range`);
      const [, low = '', high] = bounds;
      const from = Number(low);
      const to = high === undefined ? from : Number(high);
      if (to < from || to - from > 100_000) throw new LaunchError(`SLURM_JOB_NODELIST=${text}: bad range '${range}'`);
      for (let n = from; n <= to; n++) out.push(`${prefix}${String(n).padStart(low.length, '0')}${suffix}`);
    }
  }
  return out;
}

/**
 * Expand SLURM_TASKS_PER_NODE: `2(x3),1` → [2, 2, 2, 1].
 * @throws LaunchError on anything else
 */
export function expandTasksPerNode(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const match = /^(\d+)(?:\(x(\d+)\))?$/.exec(part);
    if (match === null) throw new LaunchError(`SLURM_TASKS_PER_NODE=${text}: '${part}' is not N or N(xM)`);
    const count = Number(match[2] ?? 1);
    for (let i = 0; i < count; i++) out.push(Number(match[1]));
  }
  return out;
}

/** The allocation tsmpirun runs in, or null when it is not inside salloc/sbatch (or inside an srun step). */
export function slurmAllocation(env: Readonly<Record<string, string | undefined>>): SlurmAllocation | null {
  const jobId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  if (jobId === undefined || env.SLURM_STEP_ID !== undefined) return null;
  const nodelist = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  const tasks = env.SLURM_TASKS_PER_NODE;
  if (nodelist === undefined || tasks === undefined) return null;
  const hosts = expandNodelist(nodelist);
  const slots = expandTasksPerNode(tasks);
  if (hosts.length !== slots.length) {
    throw new LaunchError(
      `SLURM_JOB_NODELIST=${nodelist} names ${hosts.length} nodes but SLURM_TASKS_PER_NODE=${tasks} gives ${slots.length}`,
    );
  }
  return { jobId, nodes: hosts.map((host, i) => ({ host, slots: slots[i] ?? 0 })) };
}

/** Total tasks of the allocation: tsmpirun's default -np inside it. */
export function allocatedSlots(allocation: SlurmAllocation): number {
  return allocation.nodes.reduce((sum, node) => sum + node.slots, 0);
}

/**
 * The one launch description of an srun step of `np` ranks (srun places them on the
 * allocation's nodes, its tasks per node first). `TSMPI_SRUN=off` in tsmpirun's
 * environment turns this off (ranks then start on this host as usual).
 */
export function srunLaunch(
  allocation: SlurmAllocation,
  np: number,
  command: string,
  args: readonly string[],
  cwd: string,
  exported: Readonly<Record<string, string>>,
): HostLaunch {
  const names = allocation.nodes.map((node) => node.host);
  const shown = names.length <= 3 ? names.join(',') : `${names[0]},…,${names.at(-1)}`;
  return {
    host: `slurm job ${allocation.jobId} (${shown})`,
    command,
    args,
    cwd,
    env: { ...exported, [ENV.watchPeers]: 'off' },
    ranks: Array.from({ length: np }, (_, rank) => ({ rank, env: {} })),
  };
}
