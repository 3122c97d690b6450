// A Cluster driven from the node REPL through a pipe: top-level await, results printed by
// the REPL, Ctrl-C (SIGINT) interrupting a long call while the engines stay up, close().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { alive, built } from '../helpers/job.js';

const INDEX = pathToFileURL(built('src/index.js')).href;

describe('Cluster in the node REPL', () => {
  it('starts engines, applies with top-level await, survives Ctrl-C during a call, closes', async () => {
    const repl = spawn(process.execPath, ['--experimental-repl-await', '-i'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_READLINE: '1' },
    });
    let out = '';
    const waiters: { pattern: RegExp; from: number; resolve: () => void }[] = [];
    const check = (): void => {
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(out.slice(waiter.from))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    repl.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      check();
    });
    repl.stderr.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      check();
    });
    const deadline = setTimeout(() => repl.kill('SIGKILL'), 240_000);
    const exited = new Promise<number | null>((resolve) => repl.on('close', (code) => resolve(code)));
    /** Type a line, then wait until the REPL has printed `pattern`. */
    const type = async (line: string, pattern: RegExp): Promise<void> => {
      const seen = new Promise<void>((resolve) => waiters.push({ pattern, from: out.length, resolve }));
      repl.stdin.write(`${line}\n`);
      await Promise.race([seen, exited.then(() => assert.fail(`the REPL exited; it printed:\n${out}`))]);
    };
    try {
      await type(`const { Cluster } = await import('${INDEX}')`, /undefined\n/);
      await type('const cluster = await Cluster.start({ n: 2 })', /undefined\n/);
      await type('cluster.size', /(^|\s)2\n/);
      await type(
        "(await cluster.apply(async () => { const { init } = await import('tsmpi'); const c = await init(); return `rank ${c.rank} of ${c.size}`; })).join(' | ')",
        /'rank 0 of 2 \| rank 1 of 2'/,
      );
      await type('cluster.pids.join(",")', /'\d+,\d+'/);
      const pids = (/'(\d+),(\d+)'/.exec(out) ?? []).slice(1).map(Number);
      assert.equal(pids.length, 2);
      // A long call; Ctrl-C while it runs stops the call, not the engines.
      await type(
        "const long = cluster.apply(() => { console.log('spinning'); for (;;); }).catch((error) => console.log('caught', error.code))",
        /\[stdout:0\] spinning[^]*\[stdout:1\] spinning|\[stdout:1\] spinning[^]*\[stdout:0\] spinning/,
      );
      const caught = new Promise<void>((resolve) => waiters.push({ pattern: /caught ERR_INTERRUPTED/, from: out.length, resolve }));
      repl.kill('SIGINT');
      await caught;
      await type("(await cluster.apply(() => 'still here')).join(',')", /'still here,still here'/);
      assert.ok(pids.every(alive));
      await type('await cluster.close()', /undefined\n/);
      repl.stdin.end();
      assert.equal(await exited, 0, out);
      assert.deepEqual(pids.filter(alive), []);
    } finally {
      clearTimeout(deadline);
      if (repl.exitCode === null) repl.kill('SIGKILL');
    }
  });
});
