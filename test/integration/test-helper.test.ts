// The job helper itself: a test file whose test is cancelled by a timeout must not leave
// its job running (nor wait for the job's own deadline to end).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { built, pidsMatching, runCommand, until } from '../helpers/job.js';

describe('the job helper', () => {
  it('a test cancelled by its suite’s timeout leaves no job running when its file ends', async () => {
    const marker = `cancelled-job-${randomBytes(6).toString('hex')}`;
    const run = await runCommand(process.execPath, ['--test', '--test-reporter', 'tap', built('test/fixtures/cancelled-job.js')], {
      // Without the runner's own variable, which would make the inner runner report to this one.
      env: { TSMPI_TEST_MARKER: marker, NODE_TEST_CONTEXT: undefined },
      timeoutMs: 180_000,
    });
    assert.doesNotMatch(run.stderr, /test helper: killed after/, 'the file ended by itself, before the outer deadline');
    assert.match(run.stdout, /# cancelled 1/, run.stdout);
    assert.match(run.stdout, /launcher \d+/, 'the job had started');
    assert.ok(await until(() => pidsMatching(marker).length === 0, 10_000), `left running: ${pidsMatching(marker).join(' ')}`);
  });
});
