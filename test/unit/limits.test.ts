import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLimits, readLimits, softLimit, tasksFromLoadavg, type HostLimits } from '../../launcher/limits.js';

const roomy: HostLimits = { processes: 4096, processesInUse: 100, pidMax: 32768, pidsInUse: 300, descriptors: 20000, descriptorsInUse: 20 };

describe('host limits checked before a job starts', () => {
  it('a job that fits is accepted', () => {
    assert.equal(checkLimits({ np: 100, localRanks: 100, sshSessions: 0 }, roomy), null);
    assert.equal(
      checkLimits({ np: 100, localRanks: 100, sshSessions: 0 }, { ...roomy, processes: null, pidMax: null, descriptors: null }),
      null,
    );
  });

  it('more ranks than the process limit leaves: refused naming RLIMIT_NPROC', () => {
    const refusal = checkLimits({ np: 100000, localRanks: 100000, sshSessions: 0 }, { ...roomy, processes: 96362 });
    assert.match(
      refusal ?? '',
      /^-np 100000 needs 100000 processes on this host but the process limit \(RLIMIT_NPROC, ulimit -u\) is 96362 with 100 in use, leaving 96262/,
    );
  });

  it('more ranks than kernel.pid_max allows (root, no RLIMIT_NPROC): refused naming pid_max', () => {
    const refusal = checkLimits({ np: 100000, localRanks: 100000, sshSessions: 0 }, { ...roomy, processes: null });
    assert.match(refusal ?? '', /^-np 100000 needs 100000 processes on this host but the system allows 32768 in all \(kernel\.pid_max\)/);
  });

  it('more descriptors than ulimit -n: refused naming RLIMIT_NOFILE and the number needed', () => {
    const refusal = checkLimits({ np: 100, localRanks: 100, sshSessions: 0 }, { ...roomy, descriptors: 150 });
    assert.match(
      refusal ?? '',
      /^-np 100 needs about 337 file descriptors in tsmpirun \(3 per local rank\) but the descriptor limit \(RLIMIT_NOFILE, ulimit -n\) is 150; raise it \(ulimit -n 337\)/,
    );
    // Remote ranks cost tsmpirun one ssh session per host, not descriptors per rank.
    assert.equal(checkLimits({ np: 100, localRanks: 0, sshSessions: 4 }, { ...roomy, descriptors: 150 }), null);
  });

  it('reads the soft value of a /proc/self/limits row', () => {
    const text =
      'Limit                     Soft Limit           Hard Limit           Units     \nMax processes             96362                96362                processes \nMax open files            150                  4096                 files     \nMax locked memory         unlimited            unlimited            bytes     \n';
    assert.equal(softLimit(text, 'Max processes'), 96362);
    assert.equal(softLimit(text, 'Max open files'), 150);
    assert.equal(softLimit(text, 'Max locked memory'), null);
    assert.equal(softLimit(text, 'Max nothing'), null);
  });

  it('counts the tasks pid_max bounds from /proc/loadavg', () => {
    assert.equal(tasksFromLoadavg('0.52 0.58 0.59 2/1043 45872\n'), 1043);
    assert.equal(tasksFromLoadavg(''), null);
    assert.equal(tasksFromLoadavg('garbage'), null);
    // On this machine: at least this process's own threads, and never more than pid_max.
    const limits = readLimits();
    assert.ok(limits.pidsInUse >= 1, `pidsInUse ${limits.pidsInUse}`);
    if (limits.pidMax !== null) assert.ok(limits.pidsInUse <= limits.pidMax);
  });
});
