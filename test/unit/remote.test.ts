import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { AddressError, inNetwork, parseCidr, selectAddress, sshServerAddress } from '../../launcher/addresses.js';
import { shellQuote } from '../../launcher/agent-protocol.js';
import { programFiles } from '../../launcher/check-hosts.js';
import { parse } from '../../launcher/cli.js';
import { LaunchError } from '../../launcher/launch-error.js';
import { remoteProgram, resolveCommand } from '../../launcher/program.js';
import { agentArgv, remoteCommand } from '../../launcher/spawners/ssh.js';

describe('quoting for the remote shell', () => {
  it('survives a real POSIX shell unchanged, whatever the characters', () => {
    const words = ['plain', 'two words', "it's", '$HOME', '`id`', 'a;b|c&d', '"quoted"', '*', '', 'new\nline', "'", '\\', 'ünï'];
    const echoed = execFileSync('sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`]).toString();
    assert.deepEqual(echoed.split('\0').slice(0, -1), words);
  });

  it('starts the agent with the public environment only: neither CURVE key on the command line', () => {
    const command = remoteCommand('/usr/bin/node', '/opt/tsmpi/dist/launcher/agent.js', {
      TSMPI_SIZE: '4',
      TSMPI_JOB_ID: 'abc',
      TSMPI_CURVE_PUBLIC: 'public-key',
      TSMPI_CURVE_SECRET: 'very-secret',
      GREETING: "it's me",
    });
    assert.ok(!command.includes('very-secret'));
    assert.ok(!command.includes('public-key'), 'the public key lets a client in too: never on a command line');
    assert.match(command, /^exec env /);
    assert.ok(command.includes("'GREETING=it'\\''s me'"));
    assert.ok(command.endsWith('/usr/bin/node /opt/tsmpi/dist/launcher/agent.js'));
  });

  it("adds batch mode and a connect timeout for ssh, and keeps a custom agent's own words", () => {
    const ssh = { node: 'node', agentScript: 'a.js', connectTimeout: 7 };
    assert.deepEqual(agentArgv({ ...ssh, agent: ['ssh', '-p', '2222'] }, 'h1', 'cmd'), [
      'ssh',
      '-p',
      '2222',
      '-T',
      '-x',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=7',
      '-o',
      'ServerAliveInterval=5',
      'h1',
      'cmd',
    ]);
    assert.deepEqual(agentArgv({ ...ssh, agent: ['/usr/bin/rsh'] }, 'h2', 'cmd'), ['/usr/bin/rsh', 'h2', 'cmd']);
  });
});

describe('the address ranks announce', () => {
  const interfaces = {
    lo: [
      {
        address: '127.0.0.1',
        netmask: '255.0.0.0',
        family: 'IPv4' as const,
        mac: '00:00:00:00:00:00',
        internal: true,
        cidr: '127.0.0.1/8',
      },
    ],
    eth0: [
      {
        address: '10.77.0.3',
        netmask: '255.255.255.0',
        family: 'IPv4' as const,
        mac: 'aa:bb:cc:dd:ee:ff',
        internal: false,
        cidr: '10.77.0.3/24',
      },
      {
        address: 'fd00::3',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6' as const,
        mac: 'aa:bb:cc:dd:ee:ff',
        internal: false,
        cidr: 'fd00::3/64',
        scopeid: 0,
      },
    ],
  };

  it('matches CIDR networks, IPv4 and IPv6', () => {
    assert.ok(inNetwork('10.77.0.3', parseCidr('10.77.0.0/24')));
    assert.ok(!inNetwork('10.77.1.3', parseCidr('10.77.0.0/24')));
    assert.ok(inNetwork('10.77.1.3', parseCidr('10.0.0.0/8')));
    assert.ok(inNetwork('fd00::3', parseCidr('fd00::/16')));
    assert.ok(!inNetwork('10.77.0.3', parseCidr('fd00::/16')));
    for (const bad of ['10.77.0.0/33', '10.77.0/24', 'x/8', '300.1.1.1/8']) assert.throws(() => parseCidr(bad), AddressError, bad);
  });

  it('selects by network or by interface name, first match of a list', () => {
    assert.equal(selectAddress('10.77.0.0/24', interfaces, 'h2'), '10.77.0.3');
    assert.equal(selectAddress('eth0', interfaces, 'h2'), '10.77.0.3');
    assert.equal(selectAddress('192.168.0.0/16,fd00::/8', interfaces, 'h2'), 'fd00::3');
    assert.throws(
      () => selectAddress('192.168.0.0/16', interfaces, 'h2'),
      /no address of h2 matches --if-include 192\.168\.0\.0\/16 \(it has: lo 127\.0\.0\.1, eth0 10\.77\.0\.3/,
    );
    assert.throws(() => selectAddress('wlan0', interfaces, 'h2'), AddressError);
  });

  it('defaults to the address the ssh connection arrived on', () => {
    assert.equal(sshServerAddress('10.77.0.1 51234 10.77.0.3 22'), '10.77.0.3');
    assert.equal(sshServerAddress(undefined), null);
    assert.equal(sshServerAddress('garbage'), null);
  });
});

describe('multi-host options', () => {
  it('reads hosts, mapping, agent, node, interface and preflight options', () => {
    const parsed = parse([
      '--hostfile',
      'lab.txt',
      '-H',
      'h1:2',
      '-H',
      'h2',
      '--map-by',
      'node',
      '--display-map',
      '--launch-agent',
      'ssh -p 2222',
      '--node',
      '/opt/node',
      '--if-include',
      '10.0.0.0/8',
      '--connect-timeout',
      '3',
      'node',
      'p.js',
    ]);
    assert.equal(parsed.options.hostfile, 'lab.txt');
    assert.deepEqual(parsed.options.host, ['h1:2', 'h2']);
    assert.equal(parsed.options.mapBy, 'node');
    assert.equal(parsed.options.displayMap, true);
    assert.equal(parsed.options.launchAgent, 'ssh -p 2222');
    assert.equal(parsed.options.node, '/opt/node');
    assert.equal(parsed.options.ifInclude, '10.0.0.0/8');
    assert.equal(parsed.options.connectTimeout, 3);
    assert.equal(parse(['--machinefile', 'm.txt', 'prog']).options.hostfile, 'm.txt');
    assert.equal(parse(['--check-hosts', '-H', 'h1']).options.checkHosts, true);
  });

  it('rejects what cannot work, in one line', () => {
    for (const argv of [
      ['--map-by', 'core', 'p'],
      ['--hostfile', 'a', '--machinefile', 'b', 'p'],
      ['--connect-timeout', '0', 'p'],
      ['--launch-agent', ' ', 'p'],
      ['-np', '2'],
    ]) {
      assert.throws(() => parse(argv), LaunchError, argv.join(' '));
    }
  });

  it('finds commands on PATH the way the shell does, and leaves paths alone', () => {
    assert.equal(resolveCommand('sh', '/nonexistent:/bin:/usr/bin'), '/bin/sh');
    assert.equal(resolveCommand('./prog', '/bin'), './prog');
    assert.equal(resolveCommand('no-such-command-here', '/bin'), 'no-such-command-here');
    assert.equal(remoteProgram('node', '/opt/node/bin/node', '/bin'), '/opt/node/bin/node');
    assert.equal(remoteProgram('/usr/bin/nodejs', '/opt/node/bin/node', '/bin'), '/opt/node/bin/node');
    assert.equal(remoteProgram('sh', '/opt/node/bin/node', '/nonexistent:/bin'), '/bin/sh');
  });

  it('names the files a host needs for the program', () => {
    assert.deepEqual(programFiles('node', ['--enable-source-maps', 'dist/prog.js', 'in.txt']), ['dist/prog.js']);
    assert.deepEqual(programFiles('./a.out', ['x']), ['./a.out']);
    assert.deepEqual(programFiles('', []), []);
  });
});
