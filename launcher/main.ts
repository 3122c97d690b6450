#!/usr/bin/env node
// The tsmpirun / tsmpiexec executable.
import { main } from './cli.js';

void main(process.argv.slice(2));
