// Bcast chooses its algorithm by where the ranks run (select.ts): on one host the binomial
// tree at every size, across hosts scatter-allgather for large arrays at np ≥ 3. Told apart
// by the messages the root sends: the tree's one per step against scatter-allgather's
// pieces and ring steps. The value is right either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spmd } from '../helpers/spmd.js';

/** 16 MiB: from where the root scatters across hosts at every np ≥ 3. */
const COUNT = 2097152;

async function rootMessages(size: number, hosts: ((rank: number) => string) | undefined): Promise<number> {
  const sent = await spmd(
    size,
    async (comm) => {
      const buf = new Float64Array(COUNT);
      if (comm.rank === 0) buf.forEach((_, i) => (buf[i] = i / 7));
      const before = comm.stats().sent.messages;
      await comm.Bcast(buf, 0);
      const messages = comm.stats().sent.messages - before;
      for (let i = 0; i < COUNT; i += 4099) assert.equal(buf[i], i / 7, `rank ${comm.rank}, element ${i}`);
      assert.equal(buf[COUNT - 1], (COUNT - 1) / 7);
      return messages;
    },
    hosts === undefined ? {} : { hosts },
  );
  return sent[0]!;
}

test('a large Bcast runs the binomial tree on one host and scatter-allgather across hosts (np ≥ 3)', async () => {
  for (const size of [2, 3, 4, 5, 8]) {
    const steps = Math.ceil(Math.log2(size));
    const oneHost = await rootMessages(size, undefined);
    const twoHosts = await rootMessages(size, (rank) => (rank % 2 === 0 ? 'a' : 'b'));
    const eachOwn = await rootMessages(size, (rank) => `h${rank}`);
    // The tree, fused with the agreement round: at most one message per step.
    assert.ok(oneHost >= 1 && oneHost <= steps, `np ${size}, one host: the root sent ${oneHost} messages`);
    if (size === 2) {
      assert.equal(twoHosts, oneHost, 'np 2 across hosts: still the tree');
      continue;
    }
    // Scatter-allgather beside the agreement round (at least one message): ⌈log2 size⌉ pieces and size − 1 ring steps.
    for (const [label, got] of [
      ['two hosts', twoHosts],
      ['a host each', eachOwn],
    ] as const)
      assert.ok(got >= 1 + steps + size - 1, `np ${size}, ${label}: the root sent ${got} messages`);
  }
});
