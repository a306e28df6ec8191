// The few expressions that differ between the engines' REPLs, as code mote writes (data
// appear only as base64 literals): decoding base64 to bytes, the clock, memory in use.
import type { EspruinoRepl } from './espruino/repl.js';

/** A Uint8Array holding the bytes of `b64` (base64 text: [A-Za-z0-9+/=] only). */
export function bytesFromBase64(repl: EspruinoRepl, b64: string): string {
  if (!/^[A-Za-z0-9+/=]*$/.test(b64)) throw new Error('mote: internal: not base64');
  // Espruino's atob returns a binary string; Kaluma's returns a Uint8Array (kalumajs.org/docs/api/global).
  return repl.dialect === 'kaluma'
    ? `(function(d){if(typeof d!=="string")return new Uint8Array(d);var b=new Uint8Array(d.length),i;for(i=0;i<d.length;i++)b[i]=d.charCodeAt(i);return b})(atob("${b64}"))`
    : `new Uint8Array(E.toArrayBuffer(atob("${b64}")))`;
}

/** Milliseconds from the device clock. */
export function clockMs(repl: EspruinoRepl): string {
  return repl.dialect === 'kaluma' ? 'millis()' : 'getTime()*1000';
}

/** [bytes in use, bytes in total] from the engine's own memory report. */
export function memoryExpr(repl: EspruinoRepl): string {
  return repl.dialect === 'kaluma'
    ? '(function(m){return [m.heapUsed,m.heapTotal]})(process.memoryUsage())'
    : '(function(m){return [m.usage*(m.blocksize||1),m.total*(m.blocksize||1)]})(process.memory())';
}
