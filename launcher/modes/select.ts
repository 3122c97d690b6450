/**
 * The selector of launch modes: which one a job uses, and its launches. Only the local
 * mode is loaded with tsmpirun; the hosts (ssh) and Slurm modes when a job needs them,
 * so that a local job starts sooner.
 */
import { ENV } from '../../src/runtime/env.js';
import type { HostSlots } from '../hostfile.js';
import { slurmAllocation, type SlurmAllocation } from '../slurm.js';
import { localMode } from './local.js';
import type { Launches, ModeInput } from './mode.js';

/** The launch mode of a job, with what that mode needs. */
export type ModeChoice =
  | { readonly kind: 'local' }
  | { readonly kind: 'hosts'; readonly hosts: readonly HostSlots[] }
  | { readonly kind: 'slurm'; readonly allocation: SlurmAllocation };

/**
 * Hosts given (hostfile, -H): those hosts. Else inside salloc/sbatch (unless TSMPI_SRUN=off):
 * the allocation, through srun. Else this host.
 * @throws LaunchError on a malformed Slurm allocation
 */
export function selectMode(hosts: readonly HostSlots[] | null, env: Readonly<Record<string, string | undefined>>): ModeChoice {
  if (hosts !== null) return { kind: 'hosts', hosts };
  const allocation = env[ENV.srun] === 'off' ? null : slurmAllocation(env);
  return allocation === null ? { kind: 'local' } : { kind: 'slurm', allocation };
}

/** The launches of `input` in the chosen mode. */
export async function launchesFor(choice: ModeChoice, input: ModeInput): Promise<Launches> {
  switch (choice.kind) {
    case 'local':
      return localMode(input);
    case 'hosts': {
      const { hostsMode } = await import('./hosts.js');
      return hostsMode(input, choice.hosts);
    }
    case 'slurm': {
      const { slurmMode } = await import('./slurm.js');
      return slurmMode(input, choice.allocation);
    }
    default: {
      const unknown: never = choice;
      throw new Error(`unknown launch mode ${JSON.stringify(unknown)}`);
    }
  }
}
