/**
 * The Slurm launch mode (tsmpirun inside salloc/sbatch, no hosts given): one srun step
 * starts every rank on the allocation's nodes (spawners/srun.ts). Loaded only there.
 */
import { allocatedSlots, srunLaunch, type SlurmAllocation } from '../slurm.js';
import { SrunSpawner } from '../spawners/srun.js';
import type { Launches, ModeInput } from './mode.js';

/** -np ranks (default: the allocation's tasks) in one srun step; --oversubscribe is srun's --overcommit. */
export function slurmMode(input: ModeInput, allocation: SlurmAllocation): Launches {
  const np = input.np ?? allocatedSlots(allocation);
  const launches = [srunLaunch(allocation, np, input.program, input.args, input.cwd, input.exported)];
  const srun = new SrunSpawner({ extraArgs: input.oversubscribe ? ['--overcommit'] : [] });
  return { np, launches, spawnerFor: () => srun };
}
