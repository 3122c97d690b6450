// README's "Your own program", done as a new user does it, outside the repository: npm pack,
// a fresh project, install the tarball, then each of README's three starts (ESM, CommonJS,
// TypeScript compiled by tsc without @types/node) under tsmpirun -np 2, and examples copied
// into the project as they are.
//
// The tarball's dependencies are linked from this checkout's node_modules (npm install of the
// folders, --offline), so the test needs no registry and takes seconds.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runCommand } from '../helpers/job.js';
import { codeBlocks } from '../helpers/readme.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
const README_FILES = new Map(
  codeBlocks('README.md').flatMap((block) => (block.file === undefined ? [] : [[block.file, block.text] as const])),
);
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const STRIPS_TYPES = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);

/**
 * The runtime dependencies and theirs, as installed in this checkout: each is linked into the
 * project, because a linked package's own requires resolve from the project's node_modules.
 */
function dependencyClosure(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const path = join(ROOT, 'node_modules', name, 'package.json');
    if (seen.has(name) || !existsSync(path)) return; // an optional dependency not installed here
    seen.add(name);
    const meta = JSON.parse(readFileSync(path, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const next of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) visit(next);
  };
  names.forEach(visit);
  return seen;
}

let dir = '';
let project = '';

/** Run tsmpirun as the project has it (node_modules/.bin), in the project. */
function tsmpirun(args: string[]) {
  return runCommand(join(project, 'node_modules/.bin/tsmpirun'), args, { cwd: project, timeoutMs: 120_000 });
}

const GREETINGS = ['rank 0 of 2 got 42', 'rank 1 of 2 got 42'];

describe("README's Your own program, in a fresh project outside the repository", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsmpi-own-'));
    assert.ok(relative(ROOT, dir).startsWith('..'), 'the project is outside the repository');
    const pack = await runCommand('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { timeoutMs: 120_000 });
    assert.equal(pack.exitCode, 0, pack.stderr);
    const tarball = join(dir, `${manifest.name}-${manifest.version}.tgz`);
    assert.ok(existsSync(tarball), pack.stdout);
    project = join(dir, 'my-project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'my-project', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    );
    const deps = [...dependencyClosure(Object.keys(manifest.dependencies))].map((name) => join(ROOT, 'node_modules', name));
    const install = await runCommand('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball, ...deps], {
      cwd: project,
      timeoutMs: 180_000,
    });
    assert.equal(install.exitCode, 0, install.stderr);
    for (const [file, text] of README_FILES) writeFileSync(join(project, file), text);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('README has the three starts and the tsconfig.json as blocks marked with their file names', () => {
    assert.deepEqual([...README_FILES.keys()].sort(), ['hello.cjs', 'hello.mjs', 'hello.ts', 'tsconfig.json']);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const command of [
      'npm pack',
      'npm install ../tsmpi/tsmpi-0.1.0.tgz',
      'npx tsmpirun -np 2 node hello.mjs',
      'npx tsmpirun -np 2 node hello.cjs',
      'npx tsc ',
      'npx tsmpirun -np 2 node hello.js',
    ]) {
      assert.ok(readme.includes(command), `README shows '${command}'`);
    }
    assert.ok(readme.includes(`${manifest.name}-${manifest.version}.tgz`), 'README names the tarball npm pack writes');
  });

  it('the installed package is the tarball (a copy, not a link to the checkout)', () => {
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/tsmpi/package.json'), 'utf8')) as { version: string };
    assert.equal(installed.version, manifest.version);
    assert.ok(!existsSync(join(project, 'node_modules/tsmpi/src')), 'only the published files');
    assert.ok(!existsSync(join(project, 'node_modules/@types/node')), 'no Node types in the project');
  });

  it('JavaScript ESM: tsmpirun -np 2 node hello.mjs', async () => {
    const run = await tsmpirun(['-np', '2', 'node', 'hello.mjs']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), GREETINGS);
  });

  it('JavaScript CommonJS with the async wrapper: tsmpirun -np 2 node hello.cjs', async () => {
    const run = await tsmpirun(['-np', '2', 'node', 'hello.cjs']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), GREETINGS);
  });

  it("TypeScript: README's tsconfig.json compiles hello.ts with tsc, without @types/node, and it runs", async () => {
    const compile = await runCommand(process.execPath, [TSC, '-p', '.'], { cwd: project, timeoutMs: 180_000 });
    assert.equal(compile.exitCode, 0, compile.stdout + compile.stderr);
    const run = await tsmpirun(['-np', '2', 'node', 'hello.js']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), GREETINGS);
  });

  it("TypeScript: tsc refuses a forgotten await (README's example)", async () => {
    writeFileSync(
      join(project, 'forgot.ts'),
      "import { init } from 'tsmpi';\nconst comm = await init();\nconst n: number = comm.recv<number>(0);\nconsole.log(n);\n",
    );
    try {
      const compile = await runCommand(process.execPath, [TSC, '--noEmit', '-p', '.'], { cwd: project, timeoutMs: 180_000 });
      assert.notEqual(compile.exitCode, 0);
      assert.match(compile.stdout, /forgot\.ts\(3,7\): error TS2322: Type 'Promise<number>' is not assignable to type 'number'/);
    } finally {
      rmSync(join(project, 'forgot.ts'));
    }
  });

  it(
    'TypeScript run by Node directly (type stripping)',
    { skip: STRIPS_TYPES ? false : `Node ${process.versions.node} does not strip types (22.18, 23.6 and later do)` },
    async () => {
      const run = await tsmpirun(['-np', '2', 'node', 'hello.ts']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual([...run.lines].sort(), GREETINGS);
    },
  );

  it('examples copied into the project as they are compile (with @types/node, as they use Node modules) and run', async () => {
    const copies = join(project, 'copied');
    mkdirSync(copies);
    const standalone = readdirSync(join(ROOT, 'examples')).filter(
      (name) => name.endsWith('.ts') && !readFileSync(join(ROOT, 'examples', name), 'utf8').includes("from './"),
    );
    assert.ok(standalone.includes('heat.ts') && standalone.includes('ring.ts'), standalone.join(' '));
    for (const name of standalone) copyFileSync(join(ROOT, 'examples', name), join(copies, name));
    writeFileSync(
      join(copies, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          strict: true,
          noUncheckedIndexedAccess: true,
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
      }),
    );
    const compile = await runCommand(process.execPath, [TSC, '-p', '.'], { cwd: copies, timeoutMs: 180_000 });
    assert.equal(compile.exitCode, 0, compile.stdout + compile.stderr);
    const ring = await tsmpirun(['-np', '3', 'node', 'copied/ring.js']);
    assert.equal(ring.exitCode, 0, ring.stderr);
    assert.match(ring.stdout, /visiting 0 -> 1 -> 2; sum of ranks = 3/);
    const heat = await tsmpirun(['-np', '2', 'node', 'copied/heat.js', '20', '10']);
    assert.equal(heat.exitCode, 0, heat.stderr);
    assert.match(heat.stdout, /^heat: 20 points on 2 ranks: 10 steps/);
  });
});
