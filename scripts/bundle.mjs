// Bundles the runtime and the launcher into one file per entry point (run by `npm run build`
// after tsc; tsc still emits the type declarations and the per-file modules the tests use).
//
// Why: starting a rank or tsmpirun was dominated by Node's ESM loader resolving, reading and
// linking dozens of small files, and by the ESM-to-CommonJS bridge for zeromq, msgpackr and
// commander (CommonJS packages, whose named exports the ESM loader finds by parsing their
// source). One file per entry removes the first cost; loading the three dependencies with
// `require` (through `createRequire` in the ESM bundles) removes the second. The dependencies
// themselves stay external: they are the package's runtime dependencies, and zeromq is native.
//
//   dist/bundle/index.js     the runtime, ESM     (package exports: import)
//   dist/bundle/index.cjs    the runtime, CommonJS (package exports: require)
//   dist/launcher/tsmpirun.cjs  tsmpirun / tsmpiexec, CommonJS: Node 20 starts a CommonJS entry
//                            ~12 ms of CPU sooner than an ES module one (no ESM loader to set up)
//   dist/launcher/main.js    the same launcher for `node dist/launcher/main.js` (replaces tsc's
//                            per-file entry with a two-line ESM file that requires tsmpirun.cjs)
//   dist/launcher/agent.js   the host agent ssh starts on other hosts (likewise)
//   dist/launcher/report/main.js  tsmpi-trace (likewise)
//   dist/bundle/engine.js    a Cluster engine (the rank program Cluster.start runs), and
//   dist/bundle/watchdog.js  its interrupt watchdog (a worker thread); 'tsmpi' stays an import of
//                            the package, so the engine and the functions it runs share one runtime
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const external = Object.keys(manifest.dependencies);

// In an ESM bundle, `import { Command } from 'commander'` would go through the ESM loader's
// CommonJS bridge; this turns each dependency into a `require` made by `createRequire`, which
// loads the same package (its "require" export) at the cost of a plain CommonJS load. Node's
// own modules go the same way, so that a module the source loads with `await import(...)`
// (zeromq's transport, the ssh and Slurm paths) loads its builtins only when it runs too.
const requireDependencies = {
  name: 'require-dependencies',
  setup(context) {
    const names = [...external, ...builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`]))];
    const filter = new RegExp(`^(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    context.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'require-dependency' }));
    context.onLoad({ filter: /.*/, namespace: 'require-dependency' }, (args) => ({
      contents: `module.exports = __tsmpiRequire(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
const esmBanner =
  "import { createRequire as __tsmpiCreateRequire } from 'node:module';\nconst __tsmpiRequire = __tsmpiCreateRequire(import.meta.url);";

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', absWorkingDir: root };

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/index.ts'],
    format: 'esm',
    outfile: 'dist/bundle/index.js',
    plugins: [requireDependencies],
    banner: { js: esmBanner },
  }),
  // CommonJS has no import.meta: the bundle's own file URL stands in for it (src/cluster/location.ts uses it).
  build({
    ...common,
    entryPoints: ['src/index.ts'],
    format: 'cjs',
    outfile: 'dist/bundle/index.cjs',
    external,
    define: { 'import.meta.url': '__tsmpiImportMetaUrl' },
    banner: { js: "var __tsmpiImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({
    ...common,
    entryPoints: ['launcher/main.ts'],
    format: 'cjs',
    outfile: 'dist/launcher/tsmpirun.cjs',
    external,
    define: { 'import.meta.url': '__tsmpiImportMetaUrl' },
    banner: { js: "var __tsmpiImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({
    ...common,
    entryPoints: ['launcher/report/main.ts'],
    format: 'esm',
    outfile: 'dist/launcher/report/main.js',
    plugins: [requireDependencies],
    banner: { js: esmBanner },
  }),
  build({
    ...common,
    entryPoints: ['launcher/agent.ts'],
    format: 'esm',
    outfile: 'dist/launcher/agent.js',
    plugins: [requireDependencies],
    banner: { js: esmBanner },
  }),
  build({
    ...common,
    entryPoints: ['src/cluster/engine.ts', 'src/cluster/watchdog.ts'],
    format: 'esm',
    outdir: 'dist/bundle',
    external: ['tsmpi'],
    plugins: [requireDependencies],
    banner: { js: esmBanner },
  }),
]);
writeFileSync(
  `${root}dist/launcher/main.js`,
  "#!/usr/bin/env node\n// tsmpirun: the launcher is dist/launcher/tsmpirun.cjs (see scripts/bundle.mjs).\nimport { createRequire } from 'node:module';\n\ncreateRequire(import.meta.url)('./tsmpirun.cjs');\n",
);
chmodSync(`${root}dist/launcher/main.js`, 0o755);
chmodSync(`${root}dist/launcher/tsmpirun.cjs`, 0o755);
chmodSync(`${root}dist/launcher/report/main.js`, 0o755);
