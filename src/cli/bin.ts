#!/usr/bin/env node
// Entry point of the `mote` executable.
import { main } from './main.js';

const r = await main(process.argv.slice(2));
if (r.out) process.stdout.write(r.out + '\n');
if (r.err) process.stderr.write(r.err + '\n');
process.exitCode = r.code;
