/**
 * The cases of the comparison table, in table order. Each is one module of this directory
 * returning its rows (see case.ts); to add rows, add a module and list it here.
 */
import type { BenchCase } from './case.js';
import { cluster } from './cluster.js';
import { collectives } from './collectives.js';
import { launch } from './launch.js';
import { pingpong } from './pingpong.js';
import { tracing } from './tracing.js';

export const CASES: readonly BenchCase[] = [pingpong, tracing, collectives, launch, cluster];
