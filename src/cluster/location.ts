/**
 * Where the built package lies: the client starts `dist/launcher/tsmpirun.cjs` (tsmpirun) with
 * `dist/bundle/engine.js` as a process, never importing the launcher.
 * This file runs as dist/src/cluster/location.js (tsc) or inside dist/bundle/index.js and
 * index.cjs (the bundles; the CommonJS one stands in for import.meta.url with its own file).
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// @ts-ignore -- import.meta is ESM-only; the CommonJS build (types only, and the bundle) handles it.
const here: string = dirname(fileURLToPath(import.meta.url));

/** The package's dist/ directory: two levels up from dist/src/cluster, one from dist/bundle. */
export const DIST = basename(here) === 'bundle' ? join(here, '..') : join(here, '..', '..');
/** tsmpirun. */
export const LAUNCHER = join(DIST, 'launcher', 'tsmpirun.cjs');
/** The engine program (ESM, bundled by scripts/bundle.mjs: one file to load instead of a dozen). */
export const ENGINE = join(DIST, 'bundle', 'engine.js');
