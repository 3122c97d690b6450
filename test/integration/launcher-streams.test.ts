// tsmpirun's output and stdin: bytes pass through unchanged, and a slow reader or a rank
// that does not read its stdin slows the sender instead of growing tsmpirun's memory.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, LAUNCHER, peakMiB, runCommand, runJob, shellWord } from '../helpers/job.js';

const dir = mkdtempSync(join(tmpdir(), 'tsmpi-streams-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const q = shellWord;
const TSMPIRUN = `${q(process.execPath)} ${q(LAUNCHER)}`;

/** Run a shell pipeline; `sh -c` so that tsmpirun's stdout and stdin are real pipes to other programs. */
function shell(script: string) {
  return runCommand('sh', ['-c', script], { timeoutMs: 120_000 });
}

describe('binary output passes through unchanged', () => {
  const file = join(dir, 'rand.bin');
  const data = randomBytes(100_000);
  writeFileSync(file, data);

  it('tsmpirun -np 1 cat rand.bin gives exactly the file (and gzip through tsmpirun works)', async () => {
    const run = await shell(
      `${TSMPIRUN} -np 1 cat ${q(file)} | cmp - ${q(file)} && echo same; gzip -c ${q(file)} | ${TSMPIRUN} -np 1 gzip -dc | cmp - ${q(file)} && echo gunzipped`,
    );
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.deepEqual(run.lines, ['same', 'gunzipped']);
  });

  it('with several ranks (line mode) one rank’s bytes still arrive exactly, unterminated end included', async () => {
    const only1 = `if [ "$TSMPI_RANK" = 1 ]; then cat ${q(file)}; fi`;
    const run = await shell(`${TSMPIRUN} -np 3 sh -c ${q(only1)} | cmp - ${q(file)} && echo same`);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.deepEqual(run.lines, ['same']);
  });

  it('an unterminated last line gets no newline; a newline separates it only from another rank’s output', async () => {
    const one = await runJob(['-np', '1', 'printf', 'abc']);
    assert.equal(one.exitCode, 0, one.stderr);
    assert.equal(one.stdout, 'abc');
    const tagged = await runJob(['-np', '1', '--tag-output', 'printf', 'abc']);
    assert.equal(tagged.stdout, '[0] abc');
    const two = await runJob(['-np', '2', 'printf', 'a\\nb']);
    assert.equal(two.exitCode, 0, two.stderr);
    assert.deepEqual([...two.lines].sort(), ['a', 'a', 'b', 'b']);
    assert.ok(!two.stdout.endsWith('\n'), JSON.stringify(two.stdout));
  });
});

describe('memory stays bounded, nothing is lost', () => {
  const MIB = 1 << 20;

  it('stdin for a rank 0 that reads it late is held back at the source, not in tsmpirun', async () => {
    // Rank 0 reads nothing for a while, then counts; tsmpirun's peak memory must stay far below what was sent.
    const rank = `sleep 3; wc -c; grep VmHWM /proc/$PPID/status | sed 's/^/launcher /'`;
    const run = await shell(`head -c ${300 * MIB} /dev/zero | ${TSMPIRUN} -np 1 sh -c ${q(rank)}`);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(run.lines[0]?.trim(), String(300 * MIB));
    const peak = peakMiB(run.stdout, 'launcher');
    assert.ok(peak < 150, `tsmpirun peaked at ${peak.toFixed(0)} MiB for 300 MiB of stdin`);
  });

  it('output for a reader that reads late is held back in the rank, not in tsmpirun (one rank, and tagged lines from two)', async () => {
    for (const [flags, body, expected] of [
      ['-np 1', `head -c ${300 * MIB} /dev/zero`, `${300 * MIB}`],
      ['-np 2 --tag-output', `yes 1234567 | head -c ${96 * MIB}`, `${2 * 12 * MIB}`],
    ] as const) {
      const rank = `${body}; grep VmHWM /proc/$PPID/status | sed "s/^/launcher$TSMPI_RANK /" >&2`;
      const count = flags.startsWith('-np 1') ? 'wc -c' : 'wc -l';
      const run = await shell(`${TSMPIRUN} ${flags} sh -c ${q(rank)} | (sleep 3; ${count})`);
      assert.equal(run.exitCode, 0, run.stdout + run.stderr);
      assert.equal(run.lines[0]?.trim(), expected, flags);
      const peak = peakMiB(run.stderr, 'launcher0');
      assert.ok(peak < 150, `${flags}: tsmpirun peaked at ${peak.toFixed(0)} MiB`);
    }
  });
});

describe("the runtime transport's exit notice", () => {
  it('zeromq.js prints it when delivering at exit takes long, and tsmpirun never forwards it', async () => {
    const fixture = built('test/fixtures/exit-notice.js');
    // The premise: without tsmpirun the notice reaches stderr (else this test checks nothing).
    const alone = await runCommand(process.execPath, [fixture], { timeoutMs: 60_000 });
    assert.equal(alone.exitCode, 0, alone.stderr);
    assert.match(alone.stderr, /^\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\./m);
    const run = await runJob(['-np', '2', process.execPath, fixture], { timeoutMs: 60_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['done', 'done']);
    assert.doesNotMatch(run.stderr, /ZeroMQ/);
    assert.equal(run.stderr.match(/a line of the program before the notice/g)?.length, 2, 'the program’s own stderr still arrives');
  });
});
