// Marks the CommonJS build as CommonJS (the package itself is "type": "module")
// and makes the launcher entry executable, so `npx tsmpirun` works from a fresh clone.
import { chmodSync, writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
chmodSync(new URL('../dist/launcher/main.js', import.meta.url), 0o755);
// The CommonJS build has no import.meta: src/cluster/location.ts finds dist/ from __dirname instead.
writeFileSync(
  new URL('../dist/cjs/cluster/location.js', import.meta.url),
  `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const path = require("node:path");
exports.DIST = path.join(__dirname, "..", "..");
exports.LAUNCHER = path.join(exports.DIST, "launcher", "main.js");
exports.ENGINE = path.join(exports.DIST, "src", "cluster", "engine.js");
`,
);
