// Which private directories a launch removes as stale (src/util/owned-dirs.ts): every rule,
// in a parent directory of the test's own (so no other job on the machine is involved).
// A process that cannot exist stands for a dead owner: pids above the kernel's largest
// pid_max (2^22) are never given out.
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  formatOwner,
  makeOwnedDir,
  OWNER_FILE,
  ownerAlive,
  parseOwner,
  parseStat,
  pruneStaleDirs,
  thisProcess,
  type Owner,
} from '../../src/util/owned-dirs.js';

const NO_SUCH_PID = 4_194_305;
const parent = mkdtempSync(join(tmpdir(), 'tsmpi-owned-test-'));
after(() => rmSync(parent, { recursive: true, force: true }));

/** A directory `parent/name` whose owner file says `text` (none when null). */
function dir(name: string, text: string | null): string {
  const path = join(parent, name);
  mkdirSync(path, { mode: 0o700 });
  writeFileSync(join(path, 'payload.bulk'), 'x');
  if (text !== null) writeFileSync(join(path, OWNER_FILE), text);
  return path;
}

const dead: Owner = { ...thisProcess(), pid: NO_SUCH_PID, start: '12345' };

function entries(): string[] {
  return readdirSync(parent).sort();
}

describe('owned directories', () => {
  it('parseStat reads the state and start time after the command name, even one with spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, index) => String(index + 4));
    const line = `4242 (a) b (c) S ${fields.join(' ')}\n`;
    // Field 22 overall is the 20th after the state (field 3).
    assert.deepEqual(parseStat(line), { state: 'S', start: '22' });
    assert.equal(parseStat('4242 (short) S 1 2'), null);
    assert.equal(parseStat(''), null);
    assert.equal(parseStat(readFileSync('/proc/self/stat', 'utf8'))?.start, thisProcess().start);
  });

  it('the owner file round-trips, and anything not exactly in its format is no owner', () => {
    const me = thisProcess();
    assert.equal(me.pid, process.pid);
    assert.match(me.start, /^\d+$/);
    assert.match(me.pidns, /^pid:\[\d+\]$/);
    assert.deepEqual(parseOwner(formatOwner(me)), me);
    for (const text of ['', 'tsmpi-owner 1 pid=12', formatOwner(me).trim(), formatOwner(me).replace(' 1 ', ' 2 '), `x${formatOwner(me)}`])
      assert.equal(parseOwner(text), null, JSON.stringify(text));
  });

  it('ownerAlive: this very process is alive; its pid with another start time, or a pid no process has, is not', () => {
    const me = thisProcess();
    assert.equal(ownerAlive(me), true);
    assert.equal(ownerAlive({ ...me, start: String(Number(me.start) + 1) }), false);
    assert.equal(ownerAlive(dead), false);
    // Without a start time (no /proc where it was made) the pid alone is judged.
    assert.equal(ownerAlive({ ...me, start: '-' }), true);
    assert.equal(ownerAlive({ ...dead, start: '-' }), false);
  });

  it('removes the job and cluster directories of dead owners, and of a recycled pid; keeps a live owner’s', () => {
    const me = thisProcess();
    const stale = [
      dir('tsmpi-Dead01', formatOwner(dead)),
      dir('tsmpi-cluster-Dead02', formatOwner(dead)),
      dir('tsmpi-Recyc1', formatOwner({ ...me, start: String(Number(me.start) + 1) })),
    ];
    const live = dir('tsmpi-Alive1', formatOwner(me));
    assert.deepEqual(pruneStaleDirs([parent]).sort(), stale.sort());
    assert.deepEqual(entries(), ['tsmpi-Alive1']);
    rmSync(live, { recursive: true });
  });

  it('keeps whatever it cannot prove stale: other names, no or a malformed owner file, another boot or pid namespace, links', () => {
    const kept = [
      dir('tsmpi-NoMark', null),
      dir('tsmpi-Garble', 'tsmpi-owner 1 pid=4194305\n'),
      dir('tsmpi-OtherB', formatOwner({ ...dead, boot: '00000000-0000-0000-0000-000000000000' })),
      dir('tsmpi-OtherN', formatOwner({ ...dead, pidns: 'pid:[1]' })),
      dir('tsmpi-other-Dead03', formatOwner(dead)),
      dir('tsmpi-Dead0', formatOwner(dead)),
      dir('other-Dead04', formatOwner(dead)),
    ];
    // An owner file that is a link to a valid one, or a directory.
    const target = dir('target', formatOwner(dead));
    symlinkSync(join(target, OWNER_FILE), join(dir('tsmpi-LinkOw', null), OWNER_FILE));
    mkdirSync(join(dir('tsmpi-DirOwn', null), OWNER_FILE));
    // A link named like a job directory, to a directory with a dead owner: neither is touched.
    symlinkSync(target, join(parent, 'tsmpi-LinkDr'));
    // A plain file of such a name.
    writeFileSync(join(parent, 'tsmpi-AFile1'), formatOwner(dead));
    const before = entries();
    assert.deepEqual(pruneStaleDirs([parent]), []);
    assert.deepEqual(entries(), before);
    assert.equal(readFileSync(join(target, OWNER_FILE), 'utf8'), formatOwner(dead));
    for (const path of [...kept, target]) rmSync(path, { recursive: true });
    for (const name of ['tsmpi-LinkOw', 'tsmpi-DirOwn', 'tsmpi-LinkDr', 'tsmpi-AFile1']) rmSync(join(parent, name), { recursive: true });
  });

  it(
    'keeps another user’s directory with a dead owner',
    { skip: process.getuid?.() === 0 ? false : 'only root can give a directory to another user' },
    () => {
      const path = dir('tsmpi-Nobody', formatOwner(dead));
      chownSync(path, 65534, 65534);
      assert.deepEqual(pruneStaleDirs([parent]), []);
      assert.deepEqual(entries(), ['tsmpi-Nobody']);
      rmSync(path, { recursive: true });
    },
  );

  it('makeOwnedDir prunes first, then makes a private directory whose owner file names this process', () => {
    const stale = dir('tsmpi-Dead05', formatOwner(dead));
    const made = makeOwnedDir(parent, 'tsmpi-', [parent]);
    assert.match(made, /\/tsmpi-[A-Za-z0-9]{6}$/);
    assert.equal(statSync(made).mode & 0o777, 0o700);
    assert.deepEqual(parseOwner(readFileSync(join(made, OWNER_FILE), 'utf8')), thisProcess());
    assert.deepEqual(entries(), [made.slice(parent.length + 1)]);
    assert.notEqual(stale, made);
    // Its maker runs: a later prune keeps it.
    assert.deepEqual(pruneStaleDirs([parent]), []);
    const cluster = makeOwnedDir(parent, 'tsmpi-cluster-', [parent]);
    assert.match(cluster, /\/tsmpi-cluster-[A-Za-z0-9]{6}$/);
    assert.deepEqual(pruneStaleDirs([parent]), []);
    rmSync(made, { recursive: true });
    rmSync(cluster, { recursive: true });
  });
});
