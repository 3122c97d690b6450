/**
 * The job's private directory on one host (TSMPI_JOB_DIR): the ranks' ipc endpoints, and
 * the files through which ranks on that host pass large payloads (src/transport/shared-files.ts).
 * It is made in /dev/shm, a RAM-backed file system, when that is a directory this user may
 * write (so those files never touch a disk), else in the system's temporary directory
 * (the ranks then keep large payloads on the sockets). Whoever makes it removes it when
 * the job ends: tsmpirun, a host agent, or a rank that lost its launcher; and when all of
 * them were killed at once, the next launch on the host (src/util/owned-dirs.ts).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { makeOwnedDir, RAM_DIR } from '../src/util/owned-dirs.js';

/** Where job directories are made on this host: `ram` (/dev/shm) if usable, else the temporary directory. */
export function jobDirParent(ram = RAM_DIR): string {
  try {
    accessSync(ram, constants.W_OK | constants.X_OK);
    if (statSync(ram).isDirectory()) return ram;
  } catch {
    // absent or not writable: the temporary directory serves
  }
  return tmpdir();
}

/**
 * Make a fresh private directory (mode 0700) for a job, `<parent>/tsmpi-XXXXXX`, owned by
 * this process (tsmpirun or a host agent), after removing the stale job directories of
 * jobs whose owner is gone.
 */
export function makeJobDir(): string {
  return makeOwnedDir(jobDirParent(), 'tsmpi-');
}
