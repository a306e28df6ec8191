// The recorder that runs on the device (ES5, one REPL line): it samples an accelerometer at
// a rate, and prints each full window as one compact line, "@mr <k> x,y,z,x,y,z,...", in
// integer milli-units, until it has sent `count` windows ("@mr end"). Sources:
//   bangle      Bangle.on('accel') at Bangle.setPollInterval(1000/rate) (Bangle.js 1 and 2), in g
//   puck        Puck.accel().acc polled by setInterval (Puck.js v2), raw sensor units
//   analog:P,.. analogRead of each pin polled by setInterval (any Espruino board), 0..1
// The host stops it early with __moteRecStop().

export type Source = { kind: 'bangle' } | { kind: 'puck' } | { kind: 'analog'; pins: string[] };

/** Each line the recorder prints starts with this. */
export const MARK = '@mr';

/** --source: bangle, puck or analog:PIN,PIN,...; undefined: auto (Bangle, else Puck). */
export function parseSource(text: string | undefined): Source | undefined {
  if (text === undefined || text === 'auto') return undefined;
  if (text === 'bangle' || text === 'puck') return { kind: text };
  const m = /^analog:([A-Za-z0-9_]+(?:,[A-Za-z0-9_]+)*)$/.exec(text);
  if (m) return { kind: 'analog', pins: m[1].split(',') };
  throw new Error(
    `--source must be auto, bangle, puck or analog:PIN,PIN,... (e.g. analog:A0,A1,A2), got '${text}'`,
  );
}

/** Values a source's integers are divided by on the host (back to g, raw units, 0..1). */
export function sourceScale(kind: Source['kind']): number {
  return kind === 'puck' ? 1 : 1000;
}

/**
 * Defines __moteRec() on the device (call it to start) and __moteRecStop(). Prints
 * "@mr start <source> <channels>" when it starts, or "@mr error <why>".
 */
export function recorderCode(
  source: Source | undefined,
  window: number,
  rate: number,
  count: number,
): string {
  const ms = Math.max(1, Math.round(1000 / rate));
  const pins = source?.kind === 'analog' ? `[${source.pins.join(',')}]` : '[]';
  const want = source ? JSON.stringify(source.kind) : '""';
  return (
    `var __moteRecStop=function(){};function __moteRec(){var N=${window},K=${count},b=[],n=0,src=${want},P=${pins},stop;` +
    `function put(v){for(var i=0;i<v.length;i++)b.push(Math.round(v[i]*(src=="puck"?1:1000)));` +
    `if(b.length>=N*v.length){print("${MARK} "+n+" "+b.join(","));b=[];n++;if(n>=K){stop();print("${MARK} end");}}}` +
    `if(!src)src=typeof Bangle!="undefined"?"bangle":(typeof Puck!="undefined"&&Puck.accel)?"puck":"";` +
    // setPollInterval turns the Bangle's power saving off: stop() puts it back as it was.
    `if(src=="bangle"){var h=function(a){put([a.x,a.y,a.z]);},ps=Bangle.getOptions().powerSave;Bangle.setPollInterval(${ms});Bangle.on("accel",h);` +
    `stop=function(){Bangle.removeListener("accel",h);Bangle.setOptions({powerSave:ps});};}` +
    `else if(src=="puck"){var t=setInterval(function(){var a=Puck.accel().acc;put([a.x,a.y,a.z]);},${ms});stop=function(){clearInterval(t);};}` +
    `else if(src=="analog"){var u=setInterval(function(){put(P.map(function(p){return analogRead(p);}));},${ms});stop=function(){clearInterval(u);};}` +
    `else{print("${MARK} error no accelerometer found (no Bangle, no Puck.accel): give --source analog:PIN,PIN,PIN");return;}` +
    `__moteRecStop=stop;print("${MARK} start "+src+" "+(src=="analog"?P.length:3));}`
  );
}

export interface WindowLine {
  index: number;
  values: number[];
}

/** One printed line: a window, the start, the end, an error, or not the recorder's (null). */
export type RecorderLine =
  | { kind: 'window'; window: WindowLine }
  | { kind: 'start'; source: Source['kind']; channels: number }
  | { kind: 'end' }
  | { kind: 'error'; message: string };

export function parseLine(line: string): RecorderLine | null {
  const text = line.trim();
  if (!text.startsWith(MARK + ' ')) return null;
  const rest = text.slice(MARK.length + 1);
  if (rest === 'end') return { kind: 'end' };
  if (rest.startsWith('error ')) return { kind: 'error', message: rest.slice(6) };
  const start = /^start (bangle|puck|analog) (\d+)$/.exec(rest);
  if (start) return { kind: 'start', source: start[1] as Source['kind'], channels: Number(start[2]) };
  const w = /^(\d+) (-?\d+(?:,-?\d+)*)$/.exec(rest);
  if (!w) return { kind: 'error', message: `garbled line from the device: ${text.slice(0, 80)}` };
  return { kind: 'window', window: { index: Number(w[1]), values: w[2].split(',').map(Number) } };
}
