/**
 * Where the built package lies: the client starts `dist/launcher/main.js` (tsmpirun) with
 * `dist/src/cluster/engine.js` as a process, never importing the launcher.
 * The CommonJS build replaces this file (scripts/post-build.mjs) with the same value
 * computed from `__dirname`: `import.meta` does not exist there.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// @ts-ignore -- import.meta is ESM-only; this line is replaced in the CommonJS build.
const here: string = dirname(fileURLToPath(import.meta.url));

/** The package's dist/ directory (this file is dist/src/cluster/location.js or dist/cjs/cluster/location.js). */
export const DIST = join(here, '..', '..');
/** tsmpirun. */
export const LAUNCHER = join(DIST, 'launcher', 'main.js');
/** The engine program (ESM). */
export const ENGINE = join(DIST, 'src', 'cluster', 'engine.js');
