// The pure parts of large payloads through files in RAM: the environment contract
// (TSMPI_SHM, TSMPI_SHM_THRESHOLD), where tsmpirun makes a job's directory, and which
// file systems count as RAM.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MpiError } from '../../src/errors.js';
import { sharedFilesAllowed, transportEnv } from '../../src/runtime/env.js';
import { inRam } from '../../src/transport/shared-files.js';
import { jobDirParent } from '../../launcher/job-dir.js';

test('transportEnv: exactly TSMPI_SHM and TSMPI_SHM_THRESHOLD, which tsmpirun forwards to every host', () => {
  assert.deepEqual(transportEnv({ TSMPI_SHM: 'off', TSMPI_SHM_THRESHOLD: '1048576', TSMPI_SHMX: 'y', TSMPI_RANK: '0', PATH: '/bin' }), {
    TSMPI_SHM: 'off',
    TSMPI_SHM_THRESHOLD: '1048576',
  });
  assert.deepEqual(transportEnv({ PATH: '/bin' }), {});
});

test('sharedFilesAllowed: unset, empty and on allow files, off forbids them, anything else is ERR_INIT naming the variable', () => {
  assert.equal(sharedFilesAllowed({}), true);
  assert.equal(sharedFilesAllowed({ TSMPI_SHM: '' }), true);
  assert.equal(sharedFilesAllowed({ TSMPI_SHM: 'on' }), true);
  assert.equal(sharedFilesAllowed({ TSMPI_SHM: 'off' }), false);
  assert.throws(
    () => sharedFilesAllowed({ TSMPI_SHM: 'Off ' }),
    (error: unknown) =>
      error instanceof MpiError && error.code === 'ERR_INIT' && /TSMPI_SHM="Off " is neither on nor off/.test(error.message),
  );
});

test('jobDirParent: a RAM directory this user may write, else the temporary directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsmpi-parent-'));
  try {
    assert.equal(jobDirParent(dir), dir);
    assert.equal(jobDirParent(join(dir, 'absent')), tmpdir());
    writeFileSync(join(dir, 'file'), '');
    assert.equal(jobDirParent(join(dir, 'file')), tmpdir());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'inRam: tmpfs counts as RAM, procfs and a missing path do not',
  { skip: inRam('/dev/shm') ? false : '/dev/shm is not tmpfs here' },
  () => {
    assert.equal(inRam('/dev/shm'), true);
    assert.equal(inRam('/proc'), false);
    assert.equal(inRam('/nonexistent/tsmpi'), false);
  },
);
