/**
 * Pure: placed ranks → one launch description per host, with each rank's environment
 * (the variables of src/runtime/env.ts).
 */
import { ENV } from '../src/runtime/env.js';
import type { HostLaunch } from './spawners/spawner.js';

/** Which ranks run on which host, in rank order within each host. */
export interface Placement {
  readonly host: string;
  readonly ranks: readonly number[];
}

export interface PlanInput {
  readonly size: number;
  readonly placement: readonly Placement[];
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly jobId: string;
  /** Environment every rank gets in addition to the launcher's own (from -x). */
  readonly exported: Readonly<Record<string, string>>;
  /** Per-host job environment added by the launch mechanism (ipc dir, tcp address, keys...). */
  readonly hostEnv: (host: string) => Readonly<Record<string, string>>;
}

export function plan(input: PlanInput): HostLaunch[] {
  return input.placement
    .filter((placed) => placed.ranks.length > 0)
    .map((placed) => ({
      host: placed.host,
      command: input.command,
      args: input.args,
      cwd: input.cwd,
      env: {
        ...input.exported,
        [ENV.size]: String(input.size),
        [ENV.host]: placed.host,
        [ENV.jobId]: input.jobId,
        [ENV.localSize]: String(placed.ranks.length),
        ...input.hostEnv(placed.host),
      },
      ranks: placed.ranks.map((rank, localRank) => ({
        rank,
        env: { [ENV.rank]: String(rank), [ENV.localRank]: String(localRank) },
      })),
    }));
}
