#!/usr/bin/env node
// The tsmpi-trace executable.
import { main } from './cli.js';

void main(process.argv.slice(2));
