// Cluster engines on the three fake hosts (namespaces with their own sshd, see hosts.sh),
// started through tsmpirun's ssh path and talking to the client over TCP with CURVE.
// Skipped, with the reason, without root or namespace rights.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fakeHostsForTests } from '../helpers/hosts.js';
import { built, pidsMatching, runCommand } from '../helpers/job.js';

const { skip, hosts, down } = await fakeHostsForTests();
const CLIENT = built('test/fixtures/cluster-hosts.js');

interface Report {
  size: number;
  engines: { rank: number; size: number; host: string; sum: number }[];
  squares: number[];
  scaled: number[][];
}

describe('a Cluster across three hosts', { skip }, () => {
  after(down);

  it('starts one engine per host over ssh; apply, collectives and map work; close leaves nothing running', async () => {
    const [h1, h2, h3] = hosts().names;
    const launcher = hosts().ips.launcher;
    assert.ok(launcher !== undefined);
    const run = await runCommand(
      process.execPath,
      [CLIENT, launcher, '--launch-agent', hosts().sshWrapper, '-H', `${h1}:1,${h2}:1,${h3}:1`],
      { timeoutMs: 180_000 },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines.at(-1), 'closed');
    const report = JSON.parse(run.lines[0] ?? '') as Report;
    assert.equal(report.size, 3);
    assert.deepEqual(
      report.engines.map(({ rank, size, host, sum }) => [rank, size, host, sum]),
      [h1, h2, h3].map((host, rank) => [rank, 3, host, 6]),
    );
    assert.deepEqual(report.squares, [0, 1, 4, 9, 16, 25, 36, 49]);
    assert.deepEqual(
      report.scaled,
      [0, 1, 2].map(() => [0.5, 3]),
    );
    assert.deepEqual(pidsMatching('dist/bundle/engine.js'), [], 'engines left running');
    assert.deepEqual(pidsMatching('dist/launcher/agent.js'), [], 'agents left running');
  });
});
