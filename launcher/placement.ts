/**
 * Hosts with slots → which ranks run on which host (the `Placement` that plan.ts turns into launches),
 * and the `--display-map` table.
 *
 * Rules, after Open MPI's round-robin mapper:
 * 1. Each host first gets up to its `slots` ranks. `--map-by slot` (the default) fills host 1's slots,
 *    then host 2's, ...; `--map-by node` deals ranks out one per host in turn, skipping full hosts.
 * 2. Ranks beyond the total slot count are an error unless oversubscribing. Then the extra ranks are
 *    dealt one per host in turn, host 1 first, skipping hosts already at their `max_slots`.
 * 3. Rank numbers follow the policy: by slot, each host gets a consecutive block in host order;
 *    by node, rank r goes to the next host in turn that is still owed ranks.
 *
 * Pure: no I/O.
 */
import type { HostSlots } from './hostfile.js';
import type { Placement } from './plan.js';

/** How consecutive ranks are spread: `slot` fills a host before the next, `node` alternates hosts. */
export type MapBy = 'slot' | 'node';

/** A job's size and its ranks per host. */
export interface PlacedJob {
  readonly np: number;
  readonly placement: Placement[];
}

/** The ranks do not fit on the hosts (or the request itself is invalid). */
export class PlacementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementError';
  }
}

/** `h1: 2, h2: 2, ...`, shortened after a few hosts. */
function hostSummary(hosts: readonly HostSlots[], value: (host: HostSlots) => string): string {
  const shown = 8;
  const listed = hosts.slice(0, shown).map((host) => `${host.host}: ${value(host)}`);
  if (hosts.length > shown) listed.push(`... ${hosts.length - shown} more`);
  return listed.join(', ');
}

/** Ranks per host (same order as `hosts`), within slots first, then oversubscribed up to max_slots. */
function countsPerHost(hosts: readonly HostSlots[], np: number, mapBy: MapBy, oversubscribe: boolean): number[] {
  const counts = hosts.map(() => 0);
  const totalSlots = hosts.reduce((sum, host) => sum + host.slots, 0);
  const withinSlots = Math.min(np, totalSlots);
  if (mapBy === 'slot') {
    let left = withinSlots;
    hosts.forEach((host, i) => {
      const take = Math.min(host.slots, left);
      counts[i] = take;
      left -= take;
    });
  } else {
    dealRoundRobin(counts, withinSlots, (i) => (hosts[i] as HostSlots).slots);
  }
  const extra = np - withinSlots;
  if (extra === 0) return counts;
  if (!oversubscribe) {
    throw new PlacementError(
      `${np} ranks requested but the hosts have only ${totalSlots} slot${totalSlots === 1 ? '' : 's'} (${hostSummary(hosts, (host) => String(host.slots))}); add slots or pass --oversubscribe`,
    );
  }
  const dealt = dealRoundRobin(counts, extra, (i) => (hosts[i] as HostSlots).maxSlots ?? Infinity);
  if (dealt < extra) {
    const limit = hosts.reduce((sum, host) => sum + (host.maxSlots ?? 0), 0);
    throw new PlacementError(
      `${np} ranks requested but the hosts' max_slots allow at most ${limit} even with --oversubscribe (${hostSummary(hosts, (host) => `max_slots ${host.maxSlots ?? '-'}`)}); raise max_slots or add hosts`,
    );
  }
  return counts;
}

/** Adds up to `n` to `counts`, one per index in turn, never past `limit(i)`; returns how many were added. */
function dealRoundRobin(counts: number[], n: number, limit: (i: number) => number): number {
  let dealt = 0;
  while (dealt < n) {
    let progressed = false;
    for (let i = 0; i < counts.length && dealt < n; i++) {
      if ((counts[i] as number) < limit(i)) {
        counts[i] = (counts[i] as number) + 1;
        dealt++;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return dealt;
}

/**
 * Places `np` ranks on `hosts` (see the module comment for the rules).
 *
 * @param np number of ranks; undefined means one per slot (the hosts' total slot count)
 * @returns `np` and one `Placement` per host that got ranks, in host order, ranks ascending
 * @throws {PlacementError} when `np` is not a positive integer, there are no hosts, `np` exceeds the
 *   slots without `oversubscribe`, or exceeds every host's `max_slots` with it
 * @example place([{ host: 'h1', slots: 2, source: '-H' }, { host: 'h2', slots: 2, source: '-H' }], 3, { mapBy: 'node', oversubscribe: false })
 *   // → { np: 3, placement: [{ host: 'h1', ranks: [0, 2] }, { host: 'h2', ranks: [1] }] }
 */
export function place(
  hosts: readonly HostSlots[],
  np: number | undefined,
  options: { readonly mapBy: MapBy; readonly oversubscribe: boolean },
): PlacedJob {
  if (hosts.length === 0) throw new PlacementError('no hosts to place ranks on');
  const size = np ?? hosts.reduce((sum, host) => sum + host.slots, 0);
  if (!Number.isSafeInteger(size) || size < 1) throw new PlacementError(`the number of ranks must be a positive integer (got ${size})`);
  const counts = countsPerHost(hosts, size, options.mapBy, options.oversubscribe);
  const ranks: number[][] = hosts.map(() => []);
  if (options.mapBy === 'slot') {
    let next = 0;
    counts.forEach((n, i) => {
      for (let k = 0; k < n; k++) (ranks[i] as number[]).push(next++);
    });
  } else {
    let next = 0;
    while (next < size) {
      counts.forEach((n, i) => {
        const list = ranks[i] as number[];
        if (list.length < n) list.push(next++);
      });
    }
  }
  const placement = hosts.flatMap((host, i) =>
    (ranks[i] as number[]).length === 0 ? [] : [{ host: host.host, ranks: ranks[i] as number[] }],
  );
  return { np: size, placement };
}

/** `0 1 2 3 7` → `0-3 7`: runs of three or more consecutive ranks are shortened. */
function rankList(ranks: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ranks.length;) {
    let j = i;
    while (j + 1 < ranks.length && (ranks[j + 1] as number) === (ranks[j] as number) + 1) j++;
    if (j - i >= 2) parts.push(`${ranks[i]}-${ranks[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(ranks[k]));
    i = j + 1;
  }
  return parts.join(' ');
}

/**
 * The `--display-map` table: a header, then one line per host (hosts that got no rank included),
 * columns aligned. Lines end without a trailing newline.
 *
 * ```text
 * tsmpirun: job map (6 ranks on 3 hosts, by slot)
 *   h1  slots 2  ranks 0 1
 *   h2  slots 2  ranks 2 3
 *   h3  slots 2  ranks 4 5
 * ```
 *
 * A host with `max_slots` shows it (`slots 2 (max 4)`); an oversubscribed host is marked.
 */
export function formatMap(hosts: readonly HostSlots[], job: PlacedJob, options: { readonly mapBy: MapBy }): string {
  const placed = new Map(job.placement.map((entry) => [entry.host, entry.ranks]));
  const rows = hosts.map((host) => ({ host: host.host, slots: host.slots, maxSlots: host.maxSlots, ranks: placed.get(host.host) ?? [] }));
  for (const entry of job.placement) {
    if (!hosts.some((host) => host.host === entry.host)) rows.push({ host: entry.host, slots: 0, maxSlots: undefined, ranks: entry.ranks });
  }
  const used = rows.filter((row) => row.ranks.length > 0).length;
  const oversubscribed = rows.some((row) => row.ranks.length > row.slots);
  const header = `tsmpirun: job map (${job.np} rank${job.np === 1 ? '' : 's'} on ${used} host${used === 1 ? '' : 's'}, by ${options.mapBy}${oversubscribed ? ', oversubscribed' : ''})`;
  const cells = rows.map((row) => ({
    host: row.host,
    slots: `slots ${row.slots}${row.maxSlots === undefined ? '' : ` (max ${row.maxSlots})`}`,
    ranks: row.ranks.length === 0 ? 'no ranks' : `rank${row.ranks.length === 1 ? '' : 's'} ${rankList(row.ranks)}`,
    note:
      row.ranks.length > row.slots ? `  (oversubscribed: ${row.ranks.length} ranks on ${row.slots} slot${row.slots === 1 ? '' : 's'})` : '',
  }));
  const hostWidth = Math.max(...cells.map((cell) => cell.host.length));
  const slotsWidth = Math.max(...cells.map((cell) => cell.slots.length));
  const lines = cells.map((cell) => `  ${cell.host.padEnd(hostWidth)}  ${cell.slots.padEnd(slotsWidth)}  ${cell.ranks}${cell.note}`);
  return [header, ...lines].join('\n');
}
