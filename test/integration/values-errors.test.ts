// README's round-trip table and error promises, checked on the real zeromq transport through
// tsmpirun: values msgpack would change silently are kept or refused, and every bad argument
// is an MpiError with a code (fixture: test/fixtures/values-errors.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';

describe('values and argument errors through tsmpirun', () => {
  it('keeps or refuses each value, and every error has a code', async () => {
    const run = await runJob(['-np', '2', 'node', built('test/fixtures/values-errors.js')], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    const expected = [
      'kept own __proto__ key own=true keys=__proto__,a plain=true',
      'kept nested __proto__ key own=true keys=__proto__ plain=true inner={"x":1} | own=true keys=__proto__ plain=true',
      'kept Number object Number object 5',
      'kept String object String object five',
      'kept Boolean object Boolean object false',
      'kept BigInt object BigInt object 5',
      'refused Promise ERR_CODEC',
      'refused WeakMap ERR_CODEC',
      'refused WeakSet ERR_CODEC',
      'refused WeakRef ERR_CODEC',
      'refused undecodable string ERR_CODEC',
      'refused detached Send ERR_BUFFER',
      'refused detached inside send ERR_BUFFER',
      'refused detached Recv ERR_BUFFER',
      'refused array over 4 GiB ERR_BUFFER',
      'refused Isend of a non-typed value ERR_BUFFER',
      'refused Irecv into a non-typed value ERR_BUFFER',
      'refused synchronous throw from non-blocking calls none',
      'refused init in a child process ERR_INIT',
      'refused init in a worker thread ERR_INIT',
      'done 0',
      'done 1',
    ];
    assert.deepEqual([...run.lines].sort(), [...expected].sort());
  });
});
