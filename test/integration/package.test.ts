// The built package as users load it: ESM import, CommonJS require, bins, types.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCommand } from '../helpers/job.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
};

describe('package', () => {
  it("works with ESM import from 'tsmpi'", async () => {
    const run = await runCommand(process.execPath, ['--input-type=module', '-e', "import { init, ANY_SOURCE, Wtime } from 'tsmpi'; const comm = await init(); await comm.send(41, 0); console.log(typeof Wtime, ANY_SOURCE, (await comm.recv(0)) + 1);"]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout.trim().split(' ').slice(1).join(' '), '-2 42');
  });

  it("works with CommonJS require('tsmpi')", async () => {
    const run = await runCommand(process.execPath, ['-e', "const { init, Status, MpiError } = require('tsmpi'); init().then(async (comm) => { console.log(comm.rank, comm.size, typeof Status, typeof MpiError); });"]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout.trim(), '0 1 function function');
  });

  it('ships type declarations for both entry points', () => {
    assert.ok(existsSync(join(ROOT, 'dist/src/index.d.ts')));
    assert.ok(existsSync(join(ROOT, 'dist/cjs/index.d.ts')));
  });

  it('has executable tsmpirun and tsmpiexec bins pointing at one program', () => {
    assert.equal(manifest.bin.tsmpirun, manifest.bin.tsmpiexec);
    const mode = statSync(join(ROOT, manifest.bin.tsmpirun ?? '')).mode;
    assert.ok(mode & 0o100, 'the launcher is executable');
  });

  it('packs the runtime, the launcher with its host agent, the examples, hostfiles and docs, and no tests', async () => {
    const run = await runCommand('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    const files = (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path) ?? [];
    for (const path of ['README.md', 'dist/src/index.js', 'dist/cjs/index.js', 'dist/launcher/main.js', 'dist/launcher/agent.js', 'dist/examples/acf.js', 'hostfiles/lab.txt', 'hostfiles/lab-mpich.txt', 'docs/cluster.md']) {
      assert.ok(files.includes(path), `${path} is not in the package`);
    }
    assert.deepEqual(files.filter((path) => path.startsWith('dist/test/') || path.startsWith('test/')), []);
  });

  it('depends at run time on zeromq, msgpackr and commander only', () => {
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['commander', 'msgpackr', 'zeromq']);
  });
});
