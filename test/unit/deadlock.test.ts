// The deadlock check's decision, on made-up reports: no processes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlockWatch, findDeadlock, type Deadlock, type RankStatus, type RankView } from '../../launcher/deadlock.js';
import { loopIdle } from '../../src/runtime/blocked.js';
import type { WaitState } from '../../src/runtime/env.js';

type Pairs = [number, number][];

function blocked(waits: [string, number[]][], sent: Pairs = [], arrived: Pairs = []): WaitState {
  return { blocked: true, finished: false, waits: waits.map(([label, peers]) => ({ label, peers })), sent, arrived };
}

function view(rank: number, state: WaitState | undefined, status: RankStatus = 'running'): RankView {
  return { rank, status, state };
}

/** Two ranks that ssend to each other: each sent one message, which arrived. */
function ssendPair(): RankView[] {
  return [
    view(0, blocked([['ssend(dest=1, tag=0)', [1]]], [[1, 1]], [[1, 1]])),
    view(1, blocked([['ssend(dest=0, tag=0)', [0]]], [[0, 1]], [[0, 1]])),
  ];
}

describe('findDeadlock', () => {
  it('every rank blocked and nothing in flight: the cycle in the program’s terms', () => {
    assert.deepEqual(findDeadlock(ssendPair()), {
      cycle: 'rank 0 waits in ssend(dest=1, tag=0) for rank 1; rank 1 waits in ssend(dest=0, tag=0) for rank 0',
      calls: null,
    });
  });

  it('a message on its way (sent, not arrived) is no deadlock', () => {
    const views = ssendPair();
    views[1] = view(1, blocked([['ssend(dest=0, tag=0)', [0]]], [[0, 1]], [[0, 0]]));
    assert.equal(findDeadlock(views), null);
  });

  it('a report older than its rank’s later sends (more arrived than it said it sent) is no deadlock', () => {
    const views = ssendPair();
    views[1] = view(1, blocked([['ssend(dest=0, tag=0)', [0]]], [[0, 1]], [[0, 2]]));
    assert.equal(findDeadlock(views), null);
  });

  it('a rank not blocked, or not reporting yet, is no deadlock', () => {
    const views = ssendPair();
    assert.equal(findDeadlock([views[0] as RankView, view(1, { ...(views[1]?.state as WaitState), blocked: false })]), null);
    assert.equal(findDeadlock([views[0] as RankView, view(1, undefined)]), null);
  });

  it('every rank finished is the end of a job, not a deadlock', () => {
    const done: WaitState = { blocked: true, finished: true, waits: [], sent: [], arrived: [] };
    assert.equal(findDeadlock([view(0, done, 'finished'), view(1, done, 'finished')]), null);
  });

  it('a rank waiting for one whose program finished; the finished rank must have reported its final counts', () => {
    const waiting = view(1, blocked([['recv(source=0, tag=3)', [0]]]));
    assert.equal(findDeadlock([view(0, undefined, 'finished'), waiting]), null);
    const done: WaitState = { blocked: true, finished: true, waits: [], sent: [], arrived: [] };
    assert.deepEqual(findDeadlock([view(0, done, 'finished'), waiting]), {
      cycle: 'rank 1 waits in recv(source=0, tag=3) for rank 0, which has finished',
      calls: null,
    });
    // Its last message to rank 1 has not arrived yet: wait for it.
    assert.equal(findDeadlock([view(0, { ...done, sent: [[1, 1]] }, 'finished'), waiting]), null);
  });

  it('an exited rank: what it reported sending must have arrived', () => {
    const waiting = (arrived: number): RankView => view(1, blocked([['recv(source=0, tag=0)', [0]]], [], [[0, arrived]]));
    const gone = view(0, blocked([['recv(source=1, tag=0)', [1]]], [[1, 2]]), 'exited');
    assert.equal(findDeadlock([gone, waiting(1)]), null);
    assert.deepEqual(findDeadlock([gone, waiting(2)])?.cycle, 'rank 1 waits in recv(source=0, tag=0) for rank 0, which has exited');
    assert.deepEqual(
      findDeadlock([view(0, undefined, 'exited'), waiting(0)])?.cycle,
      'rank 1 waits in recv(source=0, tag=0) for rank 0, which has exited',
    );
  });

  it('a ring is printed along its cycle, from its lowest rank', () => {
    const views = [0, 1, 2, 3].map((rank) => view(rank, blocked([[`recv(source=${(rank + 3) % 4}, tag=0)`, [(rank + 3) % 4]]])));
    assert.equal(
      findDeadlock(views)?.cycle,
      'rank 0 waits in recv(source=3, tag=0) for rank 3; rank 3 waits in recv(source=2, tag=0) for rank 2; rank 2 waits in recv(source=1, tag=0) for rank 1; rank 1 waits in recv(source=0, tag=0) for rank 0',
    );
  });

  it('ranks sharing a call are grouped; several waits, ANY_SOURCE and part of a communicator are named', () => {
    const views = [
      view(0, blocked([['bcast(root 0)', [2]]])),
      view(1, blocked([['bcast(root 0)', [2]]])),
      view(
        2,
        blocked([
          ['recv(source=0, tag=0)', [0]],
          ['irecv(source=ANY_SOURCE, tag=4)', [0, 1, 2]],
        ]),
      ),
      view(3, blocked([['recv(source=ANY_SOURCE, tag=1)', [1, 2]]])),
    ];
    const found = findDeadlock(views) as Deadlock;
    assert.equal(
      found.cycle,
      'rank 0 waits in bcast(root 0) for rank 2; rank 2 waits in recv(source=0, tag=0) for rank 0 and in irecv(source=ANY_SOURCE, tag=4) for any of ranks 0,1,2; ' +
        'rank 1 waits in bcast(root 0) for rank 2; rank 3 waits in recv(source=ANY_SOURCE, tag=1) for any of ranks 1,2',
    );
    assert.equal(
      found.calls,
      'ranks 0,1 in bcast(root 0); rank 2 in recv(source=0, tag=0) and irecv(source=ANY_SOURCE, tag=4); rank 3 in recv(source=ANY_SOURCE, tag=1)',
    );
    const all = [
      view(0, blocked([['recv(source=ANY_SOURCE, tag=0)', [0, 1]]])),
      view(1, blocked([['recv(source=ANY_SOURCE, tag=0)', [0, 1]]])),
    ];
    assert.match(findDeadlock(all)?.cycle ?? '', /^rank 0 waits in recv\(source=ANY_SOURCE, tag=0\) for any rank; /);
  });
});

describe('DeadlockWatch', () => {
  function watch(statuses: RankStatus[]) {
    const asked: [number, number][] = [];
    const found: Deadlock[] = [];
    const watcher = new DeadlockWatch({
      statuses: () => statuses.map((status, rank) => ({ rank, status })),
      confirm: (rank, epoch) => asked.push([rank, epoch]),
      found: (deadlock) => found.push(deadlock),
    });
    return { watcher, asked, found };
  }

  it('asks every rank to confirm, and declares the deadlock when the answers are the same states', () => {
    const { watcher, asked, found } = watch(['running', 'running']);
    const [a, b] = ssendPair().map((v) => v.state as WaitState) as [WaitState, WaitState];
    watcher.report(0, a);
    assert.deepEqual(asked, []);
    watcher.report(1, b);
    assert.deepEqual(asked, [
      [0, 1],
      [1, 1],
    ]);
    watcher.report(0, a, 1);
    assert.equal(found.length, 0);
    watcher.report(1, b, 1);
    assert.equal(found.length, 1);
    assert.match(found[0]?.cycle ?? '', /^rank 0 waits in ssend/);
  });

  it('an answer that differs from the candidate (the rank moved on) is no deadlock; an old epoch is ignored', () => {
    const { watcher, asked, found } = watch(['running', 'running']);
    const [a, b] = ssendPair().map((v) => v.state as WaitState) as [WaitState, WaitState];
    watcher.report(0, a);
    watcher.report(1, b);
    watcher.report(0, { ...a, blocked: false }, 1);
    watcher.report(1, b, 1);
    assert.equal(found.length, 0);
    assert.equal(asked.length, 2, 'no new round while rank 0 is not blocked');
    watcher.report(1, b, 7);
    assert.equal(found.length, 0);
  });
});

describe('loopIdle', () => {
  it('nothing beyond the stdio baseline is idle; any timer, request or extra handle is not', () => {
    const baseline = new Map([['PipeWrap', 2]]);
    assert.equal(loopIdle(baseline, []), true);
    assert.equal(loopIdle(baseline, ['PipeWrap', 'PipeWrap']), true);
    assert.equal(loopIdle(baseline, ['PipeWrap', 'PipeWrap', 'PipeWrap']), false, 'stdin being read');
    assert.equal(loopIdle(baseline, ['Timeout']), false);
    assert.equal(loopIdle(baseline, ['FSReqCallback']), false);
    assert.equal(loopIdle(baseline, ['ProcessWrap', 'PipeWrap']), false);
    assert.equal(loopIdle(new Map(), ['TTYWrap']), false);
  });
});
