// The Kaluma globals the bridge uses, for the emulated device's 'kaluma' dialect (ES5,
// evaluated once in QuickJS after the host functions __h*): console.log, atob (returning a
// Uint8Array, as Kaluma's does), btoa, millis, process.memoryUsage, TextDecoder, and the
// synchronous `fs` functions on a LittleFS-like root "/" backed by the same folder Storage.
// Written from Kaluma's documentation and source (src/repl.c, src/modules/fs); it stands
// in for a Pico, it is not one (docs/DEVICES.md says what is unverified).
export const KALUMA_SHIM = `
var global = this;
(function (g) {
  function ab(d) {
    var b, i;
    if (typeof d === 'string') {
      b = new Uint8Array(d.length);
      for (i = 0; i < d.length; i++) b[i] = d.charCodeAt(i) & 255;
      return b.buffer;
    }
    if (d instanceof ArrayBuffer) return d;
    if (d && d.buffer instanceof ArrayBuffer) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice().buffer;
    return ab(String(d));
  }
  function show(v) {
    if (typeof v === 'string') return v;
    try { var j = JSON.stringify(v); return j === undefined ? String(v) : j; } catch (e) { return String(v); }
  }
  g.console = { log: function () {
    var a = [], i;
    for (i = 0; i < arguments.length; i++) a.push(show(arguments[i]));
    __hPrint(a.join(' '));
  } };
  g.atob = function (s) { return new Uint8Array(__hAtobAB(String(s))); };
  g.btoa = function (d) { return __hBtoa(ab(d)); };
  g.millis = function () { return __hTime() * 1000; };
  g.process = { memoryUsage: function () {
    var m = __hMemory();
    return { heapTotal: m[1], heapUsed: m[0], heapPeak: m[0] };
  } };
  g.TextDecoder = function () {};
  g.TextDecoder.prototype.decode = function (b) { return __hUtf8(ab(b)); };
  function name(p) {
    p = String(p);
    if (p.charAt(0) !== '/' || p.indexOf('/', 1) >= 0) throw new Error('ENOENT: ' + p);
    return p.slice(1);
  }
  var files = [];
  var fs = {
    existsSync: function (p) { return __hReadAB(name(p)) !== undefined; },
    readdirSync: function (p) { if (String(p) !== '/') throw new Error('ENOENT: ' + p); return JSON.parse(__hList()); },
    statSync: function (p) { var b = __hReadAB(name(p)); if (b === undefined) throw new Error('ENOENT: ' + p); return { type: 1, size: b.byteLength }; },
    unlinkSync: function (p) { __hErase(name(p)); },
    writeFileSync: function (p, data) { __hWrite(name(p), ab(data), 0, undefined); },
    readFileSync: function (p) { var b = __hReadAB(name(p)); if (b === undefined) throw new Error('ENOENT: ' + p); return new Uint8Array(b); },
    openSync: function (p, flags) {
      var n = name(p);
      if ((flags === 'r' || flags === 'r+') && __hReadAB(n) === undefined) throw new Error('ENOENT: ' + p);
      if (flags === 'w' || flags === 'w+') __hWrite(n, new ArrayBuffer(0), 0, undefined);
      files.push(n);
      return files.length + 2;
    },
    closeSync: function (fd) { files[fd - 3] = null; },
    readSync: function (fd, buf, off, len, pos) {
      var b = new Uint8Array(__hReadAB(files[fd - 3])), n = Math.max(0, Math.min(len, b.length - pos)), i;
      for (i = 0; i < n; i++) buf[off + i] = b[pos + i];
      return n;
    },
    writeSync: function (fd, buf, off, len, pos) {
      var n = files[fd - 3], old = new Uint8Array(__hReadAB(n)), end = Math.max(old.length, pos + len);
      var out = new Uint8Array(end), i;
      out.set(old, 0);
      for (i = 0; i < len; i++) out[pos + i] = buf[off + i];
      __hWrite(n, out.buffer, 0, undefined);
      return len;
    }
  };
  g.require = function (n) {
    if (n === 'fs') return fs;
    throw new Error('module not found: ' + n);
  };
})(this);
`;
