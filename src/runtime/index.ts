// The runtime's public surface: what ships to devices as the global `mote`.
import './op/all.js';
export { load, run } from './model.js';
export type { LoadOptions, Model, RunResult, RunOptions, OpProfile, Memory } from './model.js';
export { crc32 } from './crc32.js';
export { runExits, runExitsAsync } from './schedule.js';
export type { ExitOptions, ExitResult } from './schedule.js';
export var version = '0.1.0';
// (the device bundle's entry is entry.ts)
