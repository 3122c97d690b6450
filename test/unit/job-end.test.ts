// How a job ended: each cause's exit code and the lines tsmpirun prints for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCause, exitCodeOf, type JobCause } from '../../launcher/job-end.js';

const place = { rank: 3, pid: 4242, host: 'h2' };

describe('job causes', () => {
  const cases: [JobCause, number, string[]][] = [
    [{ kind: 'exit', place, code: 3, stopped: 5 }, 3, ['tsmpirun: rank 3 (pid 4242 on h2) exited with code 3; stopping the other 5 ranks']],
    [{ kind: 'exit', place, code: 2, stopped: 0 }, 2, ['tsmpirun: rank 3 (pid 4242 on h2) exited with code 2']],
    [
      { kind: 'signal', place, signal: 'SIGSEGV', stopped: 1 },
      128 + 11,
      ['tsmpirun: rank 3 (pid 4242 on h2) was killed by signal SIGSEGV; stopping the other 1 rank'],
    ],
    [
      {
        kind: 'error',
        place: { ...place, pid: undefined },
        message: "cannot start 'prog': spawn EMFILE",
        code: 127,
        signal: null,
        stopped: 2,
      },
      127,
      ["tsmpirun: rank 3 (pid ? on h2) exited with code 127: cannot start 'prog': spawn EMFILE; stopping the other 2 ranks"],
    ],
    [
      { kind: 'error', place, message: 'uncaught exception: Error: x', code: null, signal: 'SIGKILL', stopped: 0 },
      128 + 9,
      ['tsmpirun: rank 3 (pid 4242 on h2) was killed by signal SIGKILL: uncaught exception: Error: x'],
    ],
    [
      { kind: 'abort', place, code: 256, stopped: 2 },
      1,
      ['tsmpirun: rank 3 (pid 4242 on h2) called Abort(256); stopping the other 2 ranks'],
    ],
    [{ kind: 'abort', place, code: 0, stopped: 2 }, 0, ['tsmpirun: rank 3 (pid 4242 on h2) called Abort(0); stopping the other 2 ranks']],
    [
      { kind: 'host-lost', host: 'h3', reason: 'no heartbeat from h3 for 10 s' },
      1,
      ['tsmpirun: host h3 failed: no heartbeat from h3 for 10 s'],
    ],
    [{ kind: 'timeout', seconds: 2.5 }, 124, ['tsmpirun: job stopped after --timeout 2.5 s']],
    [{ kind: 'interrupted', signal: 'SIGINT' }, 130, ['tsmpirun: received SIGINT; stopping all ranks']],
    [{ kind: 'interrupted', signal: 'SIGPIPE' }, 128 + 13, ['tsmpirun: received SIGPIPE; stopping all ranks']],
    [
      { kind: 'deadlock', cycle: 'rank 0 waits in recv(source=1, tag=0) for rank 1', calls: 'rank 0: recv at prog.js:3' },
      125,
      [
        'tsmpirun: deadlock: rank 0 waits in recv(source=1, tag=0) for rank 1',
        'tsmpirun: deadlock: rank 0: recv at prog.js:3',
        'tsmpirun: no message is on its way that could wake any of them; stopped the job (exit code 125; --no-deadlock-check turns this check off)',
      ],
    ],
  ];
  for (const [cause, exitCode, lines] of cases) {
    it(`${cause.kind}: exit code ${exitCode}, ${lines[0]}`, () => {
      assert.equal(exitCodeOf(cause), exitCode);
      assert.deepEqual(describeCause(cause), lines);
    });
  }
  it('a deadlock without the calls it was found in prints the cycle and the advice', () => {
    assert.equal(describeCause({ kind: 'deadlock', cycle: 'c', calls: null }).length, 2);
  });
});
