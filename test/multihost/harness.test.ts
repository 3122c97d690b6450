// The fake-host harness itself (test/multihost/hosts.sh): three network-namespace hosts
// answering ssh with their own hostnames, reaching each other and this namespace by name,
// sharing the file system, and the faults the multi-host tests inject (a partition, a host
// whose processes all die), and a second run on the same machine that leaves this run's
// hosts alone. Skipped, with the reason, without root or namespace rights.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fakeHostsForTests, HOSTS_SH, RUN_PREFIX, shellQuote } from '../helpers/hosts.js';
import { ROOT, runCommand } from '../helpers/job.js';

const { skip, hosts, down } = await fakeHostsForTests();
const NODE = process.execPath;

describe('fake hosts h1..h3', { skip }, () => {
  after(down);

  it('each host answers ssh with its own hostname, and a login prints nothing of its own', async () => {
    for (const name of hosts().names) {
      const run = await hosts().ssh(name, 'hostname');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${name}\n`);
    }
    // Anything the login shell's rc files print would corrupt a rank's stdout.
    const quiet = await hosts().ssh('h1', 'true');
    assert.deepEqual(quiet, { code: 0, stdout: '', stderr: '' });
  });

  it('node runs through ssh and the repository is at the same path on every host', async () => {
    const pkg = readFileSync(join(ROOT, 'package.json'), 'utf8');
    for (const name of hosts().names) {
      const version = await hosts().ssh(name, [NODE, '-v']);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), process.version);
      const cat = await hosts().ssh(name, ['cat', join(ROOT, 'package.json')]);
      assert.equal(cat.stdout, pkg);
    }
  });

  it('hosts reach each other by name, and this namespace as `launcher`', async () => {
    // A listener on h1; h2 connects to it as `h1`.
    const server = `const s = require('net').createServer((c) => c.on('data', (d) => { process.stdout.write(d); c.end(); s.close(); }));
      s.listen(7777, 'h1', () => console.log('ready'));`;
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    const h1 = runCommand(hosts().sshWrapper, ['h1', [NODE, '-e', server].map(shellQuote).join(' ')], {
      timeoutMs: 30_000,
      onStdout: (text) => text.includes('ready') && ready(),
    });
    await Promise.race([listening, h1]);
    const client = (host: string, port: number): string =>
      `const c = require('net').connect(${port}, '${host}', () => c.end('hello from ' + require('os').hostname() + '\\n')); c.on('error', (e) => { console.error(e.message); process.exit(1); });`;
    const h2 = await hosts().ssh('h2', [NODE, '-e', client('h1', 7777)]);
    assert.equal(h2.code, 0, h2.stderr);
    const h1Run = await h1;
    assert.equal(h1Run.exitCode, 0, h1Run.stderr);
    assert.equal(h1Run.stdout, 'ready\nhello from h2\n');

    // A listener here on the bridge address; h3 connects to it as `launcher`.
    const got: string[] = [];
    const local = createServer((socket) => socket.setEncoding('utf8').on('data', (text: string) => got.push(text)));
    await new Promise<void>((resolve) => local.listen(0, hosts().ips['launcher'], resolve));
    const address = local.address();
    assert.ok(address !== null && typeof address === 'object');
    const h3 = await hosts().ssh('h3', [NODE, '-e', client('launcher', address.port)]);
    await new Promise<void>((resolve) => local.close(() => resolve()));
    assert.equal(h3.code, 0, h3.stderr);
    assert.deepEqual(got, ['hello from h3\n']);
  });

  it('a dozen simultaneous logins all succeed', async () => {
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => hosts().ssh(hosts().names[i % 3] ?? 'h1', 'hostname')));
    // A login shell that runs `pyenv init` (this machine's root ~/.bashrc) rehashes pyenv's
    // shims at every login, and a dozen at once race on them: those two messages are the
    // login shell's, not the hosts'. Every other byte of stderr must still be empty.
    const loginShellNoise =
      /^(rm: cannot remove '[^']*\/\.pyenv\/shims\/[^']*': No such file or directory|pyenv: cannot rehash: .*\/\.pyenv\/shims isn't writable)\n/gm;
    for (const [i, run] of runs.entries())
      assert.deepEqual({ ...run, stderr: run.stderr.replace(loginShellNoise, '') }, { code: 0, stdout: `h${(i % 3) + 1}\n`, stderr: '' });
  });

  it('link-down: ssh to the host fails within the connect timeout, the others are unaffected; link-up heals it', async () => {
    await hosts().linkDown('h3');
    try {
      const started = Date.now();
      const cut = await hosts().ssh('h3', 'true', { timeoutMs: 30_000 });
      const elapsed = Date.now() - started;
      assert.equal(cut.code, 255, cut.stderr);
      assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
      const other = await hosts().ssh('h2', 'hostname');
      assert.equal(other.stdout, 'h2\n');
    } finally {
      await hosts().linkUp('h3');
    }
    const healed = await hosts().ssh('h3', 'hostname');
    assert.equal(healed.code, 0, healed.stderr);
    assert.equal(healed.stdout, 'h3\n');
  });

  it('kill-host: every process of the host dies (its ssh clients end), sshd stays and the host is usable again', async () => {
    const [sshd, ...others] = hosts().pidsIn('h2');
    assert.ok(sshd !== undefined && others.length === 0, `h2 runs more than its sshd: ${hosts().pidsIn('h2').join(' ')}`);
    const started = Date.now();
    let running!: () => void;
    const sleeping = new Promise<void>((resolve) => (running = resolve));
    const sleeper = runCommand(hosts().sshWrapper, ['h2', 'echo up; exec sleep 300'], {
      timeoutMs: 60_000,
      onStdout: (text) => text.includes('up') && running(),
    });
    await Promise.race([sleeping, sleeper]);
    assert.ok(hosts().pidsIn('h2').length >= 3, `h2: ${hosts().pidsIn('h2').join(' ')}`);
    await hosts().killHost('h2');
    const run = await sleeper;
    assert.equal(run.exitCode, 255, run.stderr);
    assert.ok(Date.now() - started < 30_000);
    assert.deepEqual(hosts().pidsIn('h2'), [sshd]);
    const again = await hosts().ssh('h2', 'hostname');
    assert.equal(again.stdout, 'h2\n');
  });

  it('a second run (its own prefix, network and state directory) leaves these hosts alone; prune removes it once its owner is gone', async () => {
    const prefix = `${RUN_PREFIX}b`;
    const stateDir = join(tmpdir(), `tsmpi-hosts-${prefix}`);
    // Its owner: a process that has already exited, so the run is stale from the start.
    const gone = await runCommand('sh', ['-c', 'echo $$'], { timeoutMs: 30_000 });
    const env = { TSMPI_HOSTS_PREFIX: prefix, TSMPI_HOSTS_OWNER: gone.stdout.trim() };
    const namespaces = (): string[] =>
      execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.split(' ')[0] ?? '');
    const up = await runCommand('sh', [HOSTS_SH, 'up', stateDir], { timeoutMs: 120_000, env });
    try {
      assert.equal(up.exitCode, 0, up.stderr);
      const other = readFileSync(join(stateDir, 'run'), 'utf8');
      const net = /^NET=(.*)$/m.exec(other)?.[1];
      assert.ok(net !== undefined && `${net}.0/24` !== hosts().subnet, other);
      for (const name of hosts().names) assert.ok(namespaces().includes(`${prefix}${name}`), namespaces().join(' '));
      // Both runs' h1 answer, each on its own network.
      const theirs = await runCommand(join(stateDir, 'ssh'), ['h1', 'hostname -I'], { timeoutMs: 60_000 });
      assert.equal(theirs.stdout.trim(), `${net}.2`, theirs.stderr);
      const ours = await hosts().ssh('h1', 'hostname -I');
      assert.equal(ours.stdout.trim(), hosts().ips.h1, ours.stderr);
    } finally {
      const prune = await runCommand('sh', [HOSTS_SH, 'prune'], { timeoutMs: 120_000 });
      assert.equal(prune.exitCode, 0, prune.stderr);
    }
    assert.ok(!existsSync(stateDir), `${stateDir} is still there`);
    assert.deepEqual(
      namespaces().filter((name) => name.startsWith(prefix)),
      [],
    );
    for (const name of hosts().names) {
      const run = await hosts().ssh(name, 'hostname');
      assert.equal(run.stdout, `${name}\n`, run.stderr);
    }
  });
});
