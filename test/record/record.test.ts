// `mote record` against the real Bangle.js 2 firmware in this process: the recorder runs at
// its REPL, simulated accelerometer samples go through the firmware's event queue, the
// windows come back as REPL lines and land in the CSV, one labelled window a row.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { simulatedSignal } from '../../src/record/emulator-link.js';
import { parseLine, parseSource, recorderCode } from '../../src/record/device-code.js';
import { csvHeader } from '../../src/record/csv.js';
import { loadUserData } from '../../src/data/user.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-record-'));

const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('mote record on the Bangle.js 2 firmware emulator', () => {
  it('appends labelled windows of the samples the firmware received; the header once', async () => {
    const csv = path.join(dir, 'gestures.csv');
    const base = ['record', '--device', 'emulator:banglejs2', '--window', '10', '-o', csv];
    const a = await main([...base, '--label', 'wave', '--session', 's1', '--count', '3', '--json']);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ windows: 3, source: 'bangle', channels: 3, simulated: true });
    const b = await main([...base, '--label', 'shake', '--session', 's2', '--count', '2']);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/recorded 2 window\(s\) of 10 samples .* \(SIMULATED accelerometer samples\)/);

    const r = rows(csv);
    expect(r[0].join(',')).toBe('label,session,x,y,z');
    expect(r[0].join(',')).toBe(csvHeader(3));
    // A reading a row: 3 windows of 10, then 2 of 10.
    expect(r).toHaveLength(1 + 50);
    expect(r.slice(1).map((x) => `${x[0]}/${x[1]}`)).toEqual([
      ...new Array<string>(30).fill('wave/s1'),
      ...new Array<string>(20).fill('shake/s2'),
    ]);
    for (const row of r.slice(1)) expect(row).toHaveLength(5);
    // The values are the simulated samples, in order, through the firmware's listener (mg steps).
    const signal = simulatedSignal('wave', 's1', 12.5);
    // (the noise is a sequence: the samples are drawn once, in order, as the recording did)
    const sent = Array.from({ length: 30 }, (_, t) => signal(t));
    r.slice(1, 31).forEach((row, t) =>
      row.slice(2).forEach((v, axis) => expect(Number(v)).toBeCloseTo(sent[t][axis], 3)),
    );
    // Another label gives another signal.
    expect(r[31].slice(2)).not.toEqual(r[1].slice(2));

    // The data readers take it as it stands: windows of 10 readings, never across a label or session.
    const data = await loadUserData({ features: csv, label: 'label', window: 10, group: 'session' });
    expect(data.count).toBe(5);
    expect(data.classes).toBe(2);
    expect(data.features.length).toBe(5 * 10 * 3);
  });

  it('refuses a file with another header, leaving it as it was', async () => {
    const csv = path.join(dir, 'other.csv');
    writeFileSync(csv, csvHeader(2) + '\n');
    const r = await main(['record', '--device', 'emulator:banglejs2', '--label', 'x', '-o', csv]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /its header is 'label,session,a0,a1' \(4 columns\), not this recording's 'label,session,x,y,z'/,
    );
    expect(readFileSync(csv, 'utf8')).toBe(csvHeader(2) + '\n');
  });

  it('usage errors: the source of the data, a label, a source the emulator has not', async () => {
    const o = ['-o', path.join(dir, 'u.csv')];
    expect((await main(['record', '--label', 'a', ...o])).code).toBe(2);
    expect((await main(['record', '--device', 'emulator:banglejs2', ...o])).code).toBe(2);
    expect((await main(['record', '--device', 'emulator:banglejs2', '--label', 'a b', ...o])).code).toBe(2);
    const puck = await main([
      'record',
      '--device',
      'emulator:banglejs2',
      '--label',
      'a',
      '--source',
      'puck',
      ...o,
    ]);
    expect(puck.code).toBe(2);
    expect(
      (await main(['record', '--port', '/dev/x', '--target', 'kaluma-pico', '--label', 'a', ...o])).code,
    ).toBe(2);
  });
});

describe('the recorder protocol', () => {
  it('one REPL line per window, parsed back', () => {
    expect(parseLine('@mr 3 1,-2,3')).toEqual({ kind: 'window', window: { index: 3, values: [1, -2, 3] } });
    expect(parseLine('@mr start bangle 3')).toEqual({ kind: 'start', source: 'bangle', channels: 3 });
    expect(parseLine('@mr end')).toEqual({ kind: 'end' });
    expect(parseLine('>hello')).toBeNull();
    expect(parseLine('@mr 3 1,,2')).toMatchObject({ kind: 'error' });
    expect(parseSource('analog:A0,A1')).toEqual({ kind: 'analog', pins: ['A0', 'A1'] });
    expect(() => parseSource('gyro')).toThrow(/--source must be/);
    // The recorder is one line of printable ASCII (typed at the REPL as it is).
    const code = recorderCode({ kind: 'analog', pins: ['A0', 'A1', 'A2'] }, 50, 12.5, 10);
    expect(code).toMatch(/^[\x20-\x7e]+$/);
    expect(code).toContain('setInterval');
  });
});
