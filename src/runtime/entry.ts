// The bundle's entry: fills the object that the bundle's wrapper returns as `mote`.
// Plain assignments, not ES module exports, because esbuild exports through
// Object.defineProperty getters, which small engines handle poorly.
import './op/all.js';
import { load, run } from './model.js';
import { crc32 } from './crc32.js';
import { runExits, runExitsAsync } from './schedule.js';

declare var __mote: { [name: string]: unknown };
__mote.load = load;
__mote.run = run;
__mote.crc32 = crc32;
__mote.runExits = runExits;
__mote.runExitsAsync = runExitsAsync;
__mote.version = '0.1.0';
