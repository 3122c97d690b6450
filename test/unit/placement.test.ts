import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HostSlots, parseHostList } from '../../launcher/hostfile.js';
import { formatMap, type MapBy, place, PlacementError } from '../../launcher/placement.js';

const three = parseHostList('h1:2,h2:2,h3:2');
const bySlot = { mapBy: 'slot' as MapBy, oversubscribe: false };
const byNode = { mapBy: 'node' as MapBy, oversubscribe: false };

/** host → ranks, for compact expectations. */
function ranksOf(
  hosts: readonly HostSlots[],
  np: number | undefined,
  options: { mapBy: MapBy; oversubscribe: boolean },
): Record<string, number[]> {
  return Object.fromEntries(place(hosts, np, options).placement.map((entry) => [entry.host, [...entry.ranks]]));
}

function throwsPlacement(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof PlacementError, String(error));
    for (const part of parts) assert.ok(error.message.includes(part), `'${error.message}' should contain '${part}'`);
    return true;
  });
}

describe('place: by slot', () => {
  it('defaults np to the total slot count', () => {
    const job = place(three, undefined, bySlot);
    assert.equal(job.np, 6);
    assert.deepEqual(job.placement, [
      { host: 'h1', ranks: [0, 1] },
      { host: 'h2', ranks: [2, 3] },
      { host: 'h3', ranks: [4, 5] },
    ]);
  });

  it("fills each host's slots before the next and omits hosts with no ranks", () => {
    assert.deepEqual(ranksOf(three, 3, bySlot), { h1: [0, 1], h2: [2] });
    assert.deepEqual(ranksOf(three, 1, bySlot), { h1: [0] });
    assert.deepEqual(ranksOf(parseHostList('a:3,b:1,c:2'), 5, bySlot), { a: [0, 1, 2], b: [3], c: [4] });
  });
});

describe('place: by node', () => {
  it('deals one rank per host in turn', () => {
    assert.deepEqual(ranksOf(three, undefined, byNode), { h1: [0, 3], h2: [1, 4], h3: [2, 5] });
    assert.deepEqual(ranksOf(three, 2, byNode), { h1: [0], h2: [1] });
    assert.deepEqual(ranksOf(three, 4, byNode), { h1: [0, 3], h2: [1], h3: [2] });
  });

  it('skips hosts whose slots are full', () => {
    assert.deepEqual(ranksOf(parseHostList('a:1,b:3,c:2'), undefined, byNode), { a: [0], b: [1, 3, 5], c: [2, 4] });
  });

  it('returns hosts in host order with ranks ascending', () => {
    const job = place(parseHostList('a:1,b:3,c:2'), 6, byNode);
    assert.deepEqual(
      job.placement.map((entry) => entry.host),
      ['a', 'b', 'c'],
    );
    for (const entry of job.placement)
      assert.deepEqual(
        [...entry.ranks],
        [...entry.ranks].sort((x, y) => x - y),
      );
  });
});

describe('place: more ranks than slots', () => {
  it('refuses without --oversubscribe, listing every host', () => {
    throwsPlacement(
      () => place(three, 8, bySlot),
      '8 ranks requested but the hosts have only 6 slots (h1: 2, h2: 2, h3: 2); add slots or pass --oversubscribe',
    );
    throwsPlacement(() => place(parseHostList('solo'), 2, byNode), 'only 1 slot (solo: 1)');
  });

  it('shortens the host list of a large cluster', () => {
    const hosts = parseHostList(Array.from({ length: 20 }, (_, i) => `n${i}`).join(','));
    throwsPlacement(() => place(hosts, 21, bySlot), 'n7: 1, ... 12 more)');
  });

  it('spreads the extra ranks round-robin from the first host', () => {
    const over = { mapBy: 'slot' as MapBy, oversubscribe: true };
    assert.deepEqual(ranksOf(three, 8, over), { h1: [0, 1, 2], h2: [3, 4, 5], h3: [6, 7] });
    assert.deepEqual(ranksOf(three, 12, over), { h1: [0, 1, 2, 3], h2: [4, 5, 6, 7], h3: [8, 9, 10, 11] });
    assert.deepEqual(ranksOf(three, 8, { mapBy: 'node', oversubscribe: true }), { h1: [0, 3, 6], h2: [1, 4, 7], h3: [2, 5] });
    assert.deepEqual(ranksOf(parseHostList('solo'), 4, over), { solo: [0, 1, 2, 3] });
  });

  it('never exceeds max_slots, and names the limits when every host is at its max', () => {
    const hosts: HostSlots[] = [
      { host: 'h1', slots: 2, maxSlots: 2, source: 'f:1' },
      { host: 'h2', slots: 2, maxSlots: 4, source: 'f:2' },
      { host: 'h3', slots: 2, source: 'f:3' },
    ];
    const over = { mapBy: 'slot' as MapBy, oversubscribe: true };
    assert.deepEqual(ranksOf(hosts, 10, over), { h1: [0, 1], h2: [2, 3, 4, 5], h3: [6, 7, 8, 9] });
    assert.deepEqual(ranksOf(hosts, 7, over), { h1: [0, 1], h2: [2, 3, 4], h3: [5, 6] });
    const capped: HostSlots[] = [
      { host: 'h1', slots: 2, maxSlots: 3, source: 'f:1' },
      { host: 'h2', slots: 1, maxSlots: 1, source: 'f:2' },
    ];
    assert.deepEqual(ranksOf(capped, 4, over), { h1: [0, 1, 2], h2: [3] });
    throwsPlacement(() => place(capped, 5, over), '5 ranks requested', 'allow at most 4', 'h1: max_slots 3, h2: max_slots 1');
    throwsPlacement(() => place(capped, 5, bySlot), 'add slots or pass --oversubscribe');
  });
});

describe('place: invalid requests', () => {
  it('rejects no hosts and a non-positive or fractional np', () => {
    throwsPlacement(() => place([], 2, bySlot), 'no hosts');
    for (const np of [0, -1, 1.5, Number.NaN]) throwsPlacement(() => place(three, np, bySlot), 'positive integer');
  });
});

describe('formatMap', () => {
  it('prints one aligned line per host with slots, ranks and the policy', () => {
    const hosts = parseHostList('h1:2,h2:2,h3:2');
    assert.equal(
      formatMap(hosts, place(hosts, undefined, bySlot), { mapBy: 'slot' }),
      [
        'tsmpirun: job map (6 ranks on 3 hosts, by slot)',
        '  h1  slots 2  ranks 0 1',
        '  h2  slots 2  ranks 2 3',
        '  h3  slots 2  ranks 4 5',
      ].join('\n'),
    );
  });

  it('shows hosts without ranks, max_slots, runs of ranks and oversubscription', () => {
    const hosts: HostSlots[] = [
      { host: 'big-node', slots: 4, maxSlots: 8, source: 'f:1' },
      { host: 'n2', slots: 1, source: 'f:2' },
      { host: 'n3', slots: 1, source: 'f:3' },
    ];
    assert.equal(
      formatMap(hosts, place(hosts, 2, byNode), { mapBy: 'node' }),
      [
        'tsmpirun: job map (2 ranks on 2 hosts, by node)',
        '  big-node  slots 4 (max 8)  rank 0',
        '  n2        slots 1          rank 1',
        '  n3        slots 1          no ranks',
      ].join('\n'),
    );
    const over = { mapBy: 'slot' as MapBy, oversubscribe: true };
    assert.equal(
      formatMap(hosts, place(hosts, 8, over), over),
      [
        'tsmpirun: job map (8 ranks on 3 hosts, by slot, oversubscribed)',
        '  big-node  slots 4 (max 8)  ranks 0-4  (oversubscribed: 5 ranks on 4 slots)',
        '  n2        slots 1          ranks 5 6  (oversubscribed: 2 ranks on 1 slot)',
        '  n3        slots 1          rank 7',
      ].join('\n'),
    );
  });

  it('uses the singular for one rank on one host', () => {
    const hosts = parseHostList('localhost');
    assert.equal(
      formatMap(hosts, place(hosts, undefined, bySlot), { mapBy: 'slot' }),
      'tsmpirun: job map (1 rank on 1 host, by slot)\n  localhost  slots 1  rank 0',
    );
  });
});
