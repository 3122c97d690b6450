// The built package as users load it: ESM import, CommonJS require, bins, types.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { built, ROOT, runCommand, runJob } from '../helpers/job.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  module: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
};

/** Every file path named in an `exports` map (conditions nest). */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(exportTargets);
}

/** The files package.json points at: exports (types and code), main, module and bins. */
const entryFiles = [
  ...new Set(
    [...exportTargets(manifest.exports), manifest.main, manifest.module, ...Object.values(manifest.bin)].map((path) =>
      path.replace(/^\.\//, ''),
    ),
  ),
];

describe('package', () => {
  it("works with ESM import from 'tsmpi'", async () => {
    const run = await runCommand(process.execPath, [
      '--input-type=module',
      '-e',
      "import { init, ANY_SOURCE, Wtime } from 'tsmpi'; const comm = await init(); await comm.send(41, 0); console.log(typeof Wtime, ANY_SOURCE, (await comm.recv(0)) + 1);",
    ]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout.trim().split(' ').slice(1).join(' '), '-2 42');
  });

  it("works with CommonJS require('tsmpi')", async () => {
    const run = await runCommand(process.execPath, [
      '-e',
      "const { init, Status, MpiError } = require('tsmpi'); init().then(async (comm) => { console.log(comm.rank, comm.size, typeof Status, typeof MpiError); });",
    ]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout.trim(), '0 1 function function');
  });

  it('both builds loaded in one process (import and require) still carry typed arrays between ranks', async () => {
    const run = await runJob(['-np', '3', 'node', built('test/fixtures/dual-package.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      rows: [0, 1, 2].map((rank) => [rank, 'Float64Array', [rank, 0.5]]),
      sum: [3, 3],
    });
  });

  it('ships type declarations for both entry points, and every file package.json names exists', () => {
    assert.ok(existsSync(join(ROOT, 'dist/src/index.d.ts')));
    assert.ok(existsSync(join(ROOT, 'dist/cjs/index.d.ts')));
    for (const path of entryFiles) assert.ok(existsSync(join(ROOT, path)), `package.json names ${path}, which the build did not produce`);
  });

  it('loads the runtime and the launcher as one bundled file each, with only the runtime dependencies outside', () => {
    const bundles = [manifest.module, manifest.main, manifest.bin.tsmpirun ?? '', 'dist/launcher/agent.js'];
    for (const bundle of bundles) {
      const text = readFileSync(join(ROOT, bundle), 'utf8');
      // A relative import or require left in the output would mean the file is not self-contained.
      assert.doesNotMatch(text, /(?:from\s*|import\(\s*|require\(\s*)["']\.{1,2}\//, `${bundle} loads another file of the package`);
      const loaded = [...text.matchAll(/(?:from\s*|__tsmpiRequire\(|\brequire\()["']([^"']+)["']/g)]
        .map((match) => match[1] ?? '')
        .filter((name) => !name.startsWith('node:'));
      assert.deepEqual(
        [...new Set(loaded)].filter((name) => !(name in manifest.dependencies)),
        [],
        `${bundle} loads packages that are not runtime dependencies`,
      );
    }
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
    for (const path of [
      ...entryFiles,
      'README.md',
      'dist/launcher/agent.js',
      'dist/examples/acf.js',
      'hostfiles/lab.txt',
      'hostfiles/lab-mpich.txt',
      'docs/cluster.md',
    ]) {
      assert.ok(files.includes(path), `${path} is not in the package`);
    }
    assert.deepEqual(
      files.filter((path) => path.startsWith('dist/test/') || path.startsWith('test/')),
      [],
    );
  });

  it('depends at run time on zeromq, msgpackr and commander only', () => {
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['commander', 'msgpackr', 'zeromq']);
  });
});
