import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HostfileError, isLocalHost, parseHostfile, parseHostList, readHostfile } from '../../launcher/hostfile.js';

/** Repository root (this file runs from dist/test/unit/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Asserts that `fn` throws a HostfileError whose message contains every part. */
function throwsHostfile(fn: () => unknown, ...parts: string[]): HostfileError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof HostfileError, `expected a HostfileError, got ${String(caught)}`);
  for (const part of parts) assert.ok(caught.message.includes(part), `'${caught.message}' should contain '${part}'`);
  return caught;
}

describe('parseHostfile: Open MPI dialect', () => {
  it('reads slots, max_slots and max-slots', () => {
    const text = 'node1 slots=4 max_slots=8\nnode2 slots=2 max-slots=3\nnode3\n';
    assert.deepEqual(parseHostfile(text, 'a.txt'), [
      { host: 'node1', slots: 4, maxSlots: 8, source: 'a.txt:1' },
      { host: 'node2', slots: 2, maxSlots: 3, source: 'a.txt:2' },
      { host: 'node3', slots: 1, source: 'a.txt:3' },
    ]);
  });

  it('ignores comments anywhere, blank lines, surrounding whitespace, tabs and CRLF', () => {
    const text = '# header\n\n   \n\t node1   slots=2\t# trailing comment\r\n#node2 slots=9\nnode3 max_slots=2 #x\n  # indented comment\n';
    assert.deepEqual(parseHostfile(text, 'c.txt'), [
      { host: 'node1', slots: 2, source: 'c.txt:4' },
      { host: 'node3', slots: 1, maxSlots: 2, source: 'c.txt:6' },
    ]);
  });

  it('gives a host without a count 1 slot, max_slots alone included', () => {
    assert.deepEqual(parseHostfile('h max_slots=5', 'f'), [{ host: 'h', slots: 1, maxSlots: 5, source: 'f:1' }]);
  });

  it('adds up the slots of a repeated host (case-insensitively) and keeps the larger max_slots', () => {
    const text = 'h1 slots=2 max_slots=4\nh2\nH1 slots=1 max_slots=6\nh1\n';
    assert.deepEqual(parseHostfile(text, 'r.txt'), [
      { host: 'h1', slots: 4, maxSlots: 6, source: 'r.txt:1' },
      { host: 'h2', slots: 1, source: 'r.txt:2' },
    ]);
  });

  it('accepts IPv4 and bare IPv6 addresses and dotted names', () => {
    const text = '10.77.0.2 slots=2\n::1\nfe80::1%eth0 slots=3\nnode-1.lab.example.org\n';
    assert.deepEqual(
      parseHostfile(text, 'ip.txt').map((host) => [host.host, host.slots]),
      [
        ['10.77.0.2', 2],
        ['::1', 1],
        ['fe80::1%eth0', 3],
        ['node-1.lab.example.org', 1],
      ],
    );
  });
});

describe('parseHostfile: MPICH dialect', () => {
  it('reads host:N and a host alone as 1 slot', () => {
    assert.deepEqual(parseHostfile('node1:4\nnode2\n10.77.0.2:2  # ip\n', 'm.txt'), [
      { host: 'node1', slots: 4, source: 'm.txt:1' },
      { host: 'node2', slots: 1, source: 'm.txt:2' },
      { host: '10.77.0.2', slots: 2, source: 'm.txt:3' },
    ]);
  });

  it('reads bracketed IPv6 with and without a count', () => {
    assert.deepEqual(parseHostfile('[::1]:3\n[fd00::3]\n', 'v6.txt'), [
      { host: '::1', slots: 3, source: 'v6.txt:1' },
      { host: 'fd00::3', slots: 1, source: 'v6.txt:2' },
    ]);
  });

  it('mixes with the Open MPI dialect line by line, repeated hosts adding up', () => {
    assert.deepEqual(parseHostfile('h1:2\nh2 slots=3\nh1 slots=1\nh2:1 max_slots=9\n', 'mix.txt'), [
      { host: 'h1', slots: 3, source: 'mix.txt:1' },
      { host: 'h2', slots: 4, maxSlots: 9, source: 'mix.txt:2' },
    ]);
  });
});

describe('parseHostfile errors name the file, the line and the token', () => {
  const cases: [text: string, parts: string[]][] = [
    ['h0\n\nh1 slots=x', ["lab.txt:3: 'slots=x' is not a valid slot count (want slots=N with 1 ≤ N ≤ 1000000)"]],
    ['h1 slots=0', ["lab.txt:1: 'slots=0'", 'slot count']],
    ['h1 slots=-2', ["lab.txt:1: 'slots=-2'", 'slot count']],
    ['h1 slots=1.5', ["lab.txt:1: 'slots=1.5'", 'slot count']],
    ['h1 slots=', ["lab.txt:1: 'slots='", 'slot count']],
    ['h1:0', ["lab.txt:1: 'h1:0' is not a valid slot count (want host:N with 1 ≤ N ≤ 1000000)"]],
    ['h1 slots=9007199254740991', ["lab.txt:1: 'slots=9007199254740991' is not a valid slot count (want slots=N with 1 ≤ N ≤ 1000000)"]],
    ['h1:-1', ["lab.txt:1: 'h1:-1'", 'slot count']],
    ['h1:x', ["lab.txt:1: 'h1:x'", 'slot count']],
    ['h1:', ["lab.txt:1: 'h1:'", 'slot count']],
    ['[::1]:0', ["lab.txt:1: '[::1]:0'", 'slot count']],
    ['h1 max_slots=0', ["lab.txt:1: 'max_slots=0' is not a valid slot limit"]],
    ['h1 max-slots=y', ["lab.txt:1: 'max-slots=y' is not a valid slot limit"]],
    ['h1 slots=4 max_slots=2', ["lab.txt:1: 'max_slots=2' is less than the host's 4 slots"]],
    ['h1:3 max_slots=2', ["lab.txt:1: 'max_slots=2' is less than the host's 3 slots"]],
    ['h1 slots=2 slots=3', ["lab.txt:1: 'slots=3' gives the slot count again (already 'slots=2')"]],
    ['h1:2 slots=3', ["lab.txt:1: 'slots=3' gives the slot count again (already 'h1:2')"]],
    ['h1 max_slots=2 max-slots=3', ["lab.txt:1: 'max-slots=3' gives max_slots again"]],
    ['h1:4 ifhn=eth0', ["lab.txt:1: unknown option 'ifhn=eth0'"]],
    ['h1 cpus=4', ["lab.txt:1: unknown option 'cpus=4'"]],
    ['h1 slots:4', ["lab.txt:1: unexpected 'slots:4' after the host"]],
    ['h1 h2', ["lab.txt:1: unexpected 'h2' after the host", 'one host per line']],
    ['bad_host', ["lab.txt:1: 'bad_host' is not a valid host name or IP address"]],
    ['-h1', ["lab.txt:1: '-h1' is not a valid host name"]],
    ['h1-', ["lab.txt:1: 'h1-' is not a valid host name"]],
    ['a..b', ["lab.txt:1: 'a..b' is not a valid host name"]],
    ['10.0.0.256', ["lab.txt:1: '10.0.0.256' is not a valid host name"]],
    ['10.0.0.256:2', ["lab.txt:1: '10.0.0.256:2' is not a valid host name"]],
    ['h1:2:3', ["lab.txt:1: 'h1:2:3' is not a valid host name"]],
    [':4', ["lab.txt:1: ':4' is not a valid host name"]],
    ['[h1]:2', ["lab.txt:1: '[h1]:2' is not a valid host name"]],
    ['[::1', ["lab.txt:1: '[::1' is not a valid host name"]],
    ['[::1]2', ["lab.txt:1: '[::1]2' is not a valid host name"]],
    [`${'a'.repeat(64)}`, [`lab.txt:1: '${'a'.repeat(64)}' is not a valid host name`]],
    [
      'h1 slots=2 max_slots=2\nh1 slots=1',
      ["lab.txt:2: 'h1' is listed again and now has 3 slots, more than its max_slots=2 (first listed at lab.txt:1)"],
    ],
  ];
  for (const [text, parts] of cases) {
    it(JSON.stringify(text), () => {
      const error = throwsHostfile(() => parseHostfile(text, 'lab.txt'), ...parts);
      assert.equal(error.file, 'lab.txt');
      assert.equal(typeof error.line, 'number');
      assert.equal(typeof error.token, 'string');
    });
  }

  it('rejects a file with no hosts, naming the file', () => {
    for (const text of ['', '\n\n', '# only\n   # comments\n']) {
      const error = throwsHostfile(() => parseHostfile(text, 'empty.txt'), 'empty.txt: no hosts');
      assert.equal(error.line, undefined);
    }
  });
});

describe('parseHostList (-H)', () => {
  it('reads host and host:N entries, IPv4 and bracketed IPv6, source -H', () => {
    assert.deepEqual(parseHostList('node1:2,node2,10.0.0.3:4,[::1]:2'), [
      { host: 'node1', slots: 2, source: '-H' },
      { host: 'node2', slots: 1, source: '-H' },
      { host: '10.0.0.3', slots: 4, source: '-H' },
      { host: '::1', slots: 2, source: '-H' },
    ]);
  });

  it('adds up repeated hosts and tolerates spaces around entries', () => {
    assert.deepEqual(parseHostList('a, b:2 ,a:3,a'), [
      { host: 'a', slots: 5, source: '-H' },
      { host: 'b', slots: 2, source: '-H' },
    ]);
  });

  const cases: [spec: string, parts: string[]][] = [
    ['a:0', ["-H: 'a:0' is not a valid slot count"]],
    ['a,b:x', ["-H: 'b:x' is not a valid slot count"]],
    ['a,,b', ["-H: empty entry in 'a,,b'"]],
    ['', ['-H: empty entry']],
    ['a,bad!host', ["-H: 'bad!host' is not a valid host name"]],
    ['a slots=2', ["-H: 'a slots=2' is not a host[:N] entry"]],
  ];
  for (const [spec, parts] of cases) {
    it(`rejects ${JSON.stringify(spec)}`, () => {
      const error = throwsHostfile(() => parseHostList(spec), ...parts);
      assert.equal(error.file, '-H');
      assert.equal(error.line, undefined);
    });
  }
});

describe('readHostfile', () => {
  it('reads a file and uses the path as given in sources and errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-hostfile-'));
    try {
      const path = join(dir, 'h.txt');
      writeFileSync(path, 'h1 slots=2\nh2:x\n');
      throwsHostfile(() => readHostfile(path), `${path}:2: 'h2:x'`);
      writeFileSync(path, 'h1 slots=2\n');
      assert.deepEqual(readHostfile(path), [{ host: 'h1', slots: 2, source: `${path}:1` }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which file it cannot read and why, keeping the cause', () => {
    const error = throwsHostfile(() => readHostfile('no/such/hostfile.txt'), "cannot read hostfile 'no/such/hostfile.txt': ENOENT");
    assert.ok(error.cause instanceof Error);
    throwsHostfile(() => readHostfile(tmpdir()), `cannot read hostfile '${tmpdir()}': EISDIR`);
  });

  it('parses every example in hostfiles/', () => {
    const dir = join(ROOT, 'hostfiles');
    const files = readdirSync(dir).filter((name) => name.endsWith('.txt'));
    assert.ok(files.length >= 4, `expected the example hostfiles in ${dir}`);
    for (const name of files) assert.ok(readHostfile(join(dir, name)).length > 0, name);
    const strip = (name: string) => readHostfile(join(dir, name)).map(({ host, slots, maxSlots }) => ({ host, slots, maxSlots }));
    assert.deepEqual(strip('localhost.txt'), [{ host: 'localhost', slots: 4, maxSlots: undefined }]);
    assert.deepEqual(strip('localhost-mpich.txt'), strip('localhost.txt'));
    assert.deepEqual(
      strip('lab.txt'),
      ['h1', 'h2', 'h3'].map((host) => ({ host, slots: 2, maxSlots: undefined })),
    );
    assert.deepEqual(strip('lab-mpich.txt'), strip('lab.txt'));
  });
});

describe('isLocalHost', () => {
  it('recognises loopback names and addresses', () => {
    for (const name of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      'localhost.localdomain',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isLocalHost(name, 'node1.lab.example'), true, name);
    }
  });

  it("recognises the machine's own name in short or long form", () => {
    assert.equal(isLocalHost('node1', 'node1'), true);
    assert.equal(isLocalHost('node1', 'node1.lab.example'), true);
    assert.equal(isLocalHost('node1.lab.example', 'node1'), true);
    assert.equal(isLocalHost('Node1.Lab.Example', 'node1.lab.example'), true);
  });

  it('rejects other hosts and addresses', () => {
    for (const name of [
      'node2',
      'node10',
      'node',
      'node1.other.example',
      '10.0.0.1',
      '128.0.0.1',
      '::2',
      'fe80::1',
      '::ffff:10.0.0.1',
      '',
    ]) {
      assert.equal(isLocalHost(name, 'node1.lab.example'), false, name);
    }
    assert.equal(isLocalHost('node1', ''), false);
  });
});
