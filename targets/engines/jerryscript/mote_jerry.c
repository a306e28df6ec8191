/* mote's glue around JerryScript built as Kaluma builds it for the Raspberry Pi Pico.
 *
 * Compiled by build.sh with emscripten, together with jerry-core and Kaluma's base64.c; driven
 * from Node by targets/engines/jerryscript.ts. It replaces Kaluma's port (src/jerry_port.c)
 * and the parts of Kaluma's globals (src/global.c) and modules that a program needs to read a
 * model: print, console.log/error, process.memoryUsage(), btoa/atob, SystemError, require()
 * and the `fs` module, with the same names, arguments and results as Kaluma's. Files live in a
 * host folder: every file operation is a call into JavaScript (Module.hostFs, set by the
 * driver), so nothing is read through emscripten's own file systems.
 *
 * Copyright 2026 the mote authors, Apache-2.0. btoa/atob, SystemError, the fs read/write
 * argument handling and process.memoryUsage follow Kaluma's src/global.c and
 * src/modules/vfs_lfs/module_vfs_lfs.c (Apache-2.0, Copyright (c) 2017 Kaluma).
 */
#include <emscripten.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jerryscript-port.h"
#include "jerryscript.h"
/* internal headers: the peak reset writes the heap statistics kept in the context */
#include "jcontext.h"

unsigned char *km_base64_encode(const unsigned char *src, size_t len, size_t *out_len);
unsigned char *km_base64_decode(const unsigned char *src, size_t len, size_t *out_len);

/* ------------------------------------------------------------------------------------------ */
/* host calls (the driver sets Module.onOutput, Module.onFatal and Module.hostFs)               */
/* ------------------------------------------------------------------------------------------ */

EM_JS(void, host_write, (int stream, const char *p, int n), {
  Module.onOutput(stream, HEAPU8.slice(p, p + n));
});
/* Never returns: throws a JS exception that unwinds the whole wasm stack to the driver. */
EM_JS(void, host_fatal, (int code), { Module.onFatal(code); });
EM_JS(double, host_now, (void), { return Date.now(); });
/* fs: every call returns >= 0 or a negative errno (-2 ENOENT, ...) */
EM_JS(int, host_fs_open, (const char *path, int flags), {
  return Module.hostFs.open(UTF8ToString(path), flags);
});
EM_JS(int, host_fs_close, (int id), { return Module.hostFs.close(id); });
EM_JS(int, host_fs_read, (int id, unsigned char *p, int n, int position), {
  return Module.hostFs.read(id, HEAPU8.subarray(p, p + n), position);
});
EM_JS(int, host_fs_write, (int id, const unsigned char *p, int n, int position), {
  return Module.hostFs.write(id, HEAPU8.subarray(p, p + n), position);
});
/* stat: returns the type (1 file, 2 directory) or a negative errno; *size_p gets the size */
EM_JS(int, host_fs_stat, (const char *path, double *size_p), {
  var r = Module.hostFs.stat(UTF8ToString(path));
  if (r.type > 0) HEAPF64[size_p >> 3] = r.size;
  return r.type;
});
EM_JS(int, host_fs_path_op, (int op, const char *a, const char *b), {
  return Module.hostFs.pathOp(op, UTF8ToString(a), b ? UTF8ToString(b) : "");
});
/* readdir: the names joined by "/" into a fresh malloc'd string (caller frees), or NULL */
EM_JS(char *, host_fs_readdir, (const char *path, int *err_p), {
  var r = Module.hostFs.readdir(UTF8ToString(path));
  if (typeof r === 'number') { HEAP32[err_p >> 2] = r; return 0; }
  var s = r.join('/');
  var n = lengthBytesUTF8(s) + 1;
  var p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});

/* ------------------------------------------------------------------------------------------ */
/* port (as Kaluma's src/jerry_port.c, except that fatal reports to the host)                 */
/* ------------------------------------------------------------------------------------------ */

void jerry_port_fatal(jerry_fatal_code_t code) {
  host_fatal((int)code);
  abort();
}

void jerry_port_log(jerry_log_level_t level, const char *format, ...) {
  (void)level;
  char buf[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n > (int)sizeof buf - 1) n = (int)sizeof buf - 1;
  if (n > 0) host_write(1, buf, n);
}

double jerry_port_get_local_time_zone_adjustment(double unix_ms, bool is_utc) {
  (void)unix_ms;
  (void)is_utc;
  return 0;
}

double jerry_port_get_current_time(void) { return host_now(); }

uint8_t *jerry_port_read_source(const char *file_name_p, size_t *out_size_p) {
  (void)file_name_p;
  (void)out_size_p;
  return NULL;
}

void jerry_port_release_source(uint8_t *buffer_p) { free(buffer_p); }

size_t jerry_port_normalize_path(const char *in_path_p, char *out_buf_p, size_t out_buf_size,
                                 char *base_file_p) {
  (void)in_path_p;
  (void)out_buf_p;
  (void)out_buf_size;
  (void)base_file_p;
  return 0;
}

jerry_value_t jerry_port_get_native_module(jerry_value_t name) {
  (void)name;
  return jerry_create_undefined();
}

void jerry_port_track_promise_rejection(const jerry_value_t promise,
                                        const jerry_promise_rejection_operation_t operation) {
  (void)promise;
  (void)operation;
}

/* ------------------------------------------------------------------------------------------ */
/* helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

#define FN(name)                                                                               \
  static jerry_value_t name(const jerry_value_t func, const jerry_value_t this_val,          \
                            const jerry_value_t args_p[], const jerry_length_t args_cnt)
#define UNUSED_FN_ARGS                                                                         \
  (void)func;                                                                                  \
  (void)this_val;                                                                              \
  (void)args_p;                                                                                \
  (void)args_cnt

static void set_prop(jerry_value_t obj, const char *name, jerry_value_t value) {
  jerry_value_t key = jerry_create_string((const jerry_char_t *)name);
  jerry_release_value(jerry_set_property(obj, key, value));
  jerry_release_value(key);
}
static void set_prop_number(jerry_value_t obj, const char *name, double v) {
  jerry_value_t n = jerry_create_number(v);
  set_prop(obj, name, n);
  jerry_release_value(n);
}
static void set_prop_string(jerry_value_t obj, const char *name, const char *s) {
  jerry_value_t v = jerry_create_string((const jerry_char_t *)s);
  set_prop(obj, name, v);
  jerry_release_value(v);
}
static void set_fn(jerry_value_t obj, const char *name, jerry_external_handler_t h) {
  jerry_value_t f = jerry_create_external_function(h);
  set_prop(obj, name, f);
  jerry_release_value(f);
}
static jerry_value_t get_prop(jerry_value_t obj, const char *name) {
  jerry_value_t key = jerry_create_string((const jerry_char_t *)name);
  jerry_value_t v = jerry_get_property(obj, key);
  jerry_release_value(key);
  return v;
}

/* A value's text (String(value)), written to the host. */
static void write_value(int stream, jerry_value_t value) {
  jerry_value_t s = jerry_value_to_string(value);
  if (jerry_value_is_error(s)) {
    jerry_release_value(s);
    return;
  }
  jerry_size_t n = jerry_get_utf8_string_size(s);
  char *buf = malloc(n + 1);
  if (buf) {
    jerry_string_to_utf8_char_buffer(s, (jerry_char_t *)buf, n);
    host_write(stream, buf, (int)n);
    free(buf);
  }
  jerry_release_value(s);
}

/* A string argument as a malloc'd C string (NULL if not a string). */
static char *arg_cstring(const jerry_value_t args_p[], jerry_length_t args_cnt, jerry_length_t i) {
  if (i >= args_cnt || !jerry_value_is_string(args_p[i])) return NULL;
  jerry_size_t n = jerry_get_utf8_string_size(args_p[i]);
  char *s = malloc(n + 1);
  if (!s) return NULL;
  jerry_string_to_utf8_char_buffer(args_p[i], (jerry_char_t *)s, n);
  s[n] = '\0';
  return s;
}

static jerry_value_t arg_type_error(const char *name, const char *type) {
  char msg[96];
  snprintf(msg, sizeof msg, "The \"%s\" argument must be %s", name, type);
  return jerry_create_error(JERRY_ERROR_TYPE, (const jerry_char_t *)msg);
}

/* ------------------------------------------------------------------------------------------ */
/* SystemError (Kaluma's src/global.c and src/err.c)                                           */
/* ------------------------------------------------------------------------------------------ */

static const char *errno_message(int e) {
  switch (e) {
    case 2: return "No such file or directory";
    case 5: return "I/O error";
    case 9: return "Bad file number";
    case 12: return "Out of memory";
    case 17: return "File exists";
    case 20: return "Not a directory";
    case 21: return "Is a directory";
    case 22: return "Invalid argument";
    case 27: return "File too large";
    case 28: return "No space left on device";
    case 36: return "File name too long";
    case 39: return "Directory not empty";
    default: return "Unknown error";
  }
}

static jerry_value_t system_error_ctor;

FN(system_error_ctor_fn) {
  UNUSED_FN_ARGS;
  if (args_cnt < 1 || !jerry_value_is_number(args_p[0])) return arg_type_error("errno", "a number");
  int e = (int)jerry_get_number_value(args_p[0]);
  if (e > 0) e = -e;
  set_prop_number(this_val, "errno", e);
  set_prop_string(this_val, "message", errno_message(-e));
  return jerry_create_undefined();
}

/* new SystemError(errno) as a thrown error value */
static jerry_value_t system_error(int e) {
  jerry_value_t n = jerry_create_number(e);
  jerry_value_t err = jerry_construct_object(system_error_ctor, &n, 1);
  jerry_release_value(n);
  if (jerry_value_is_error(err)) return err;
  return jerry_create_error_from_value(err, true);
}

/* ------------------------------------------------------------------------------------------ */
/* print, console, process, btoa/atob                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Kaluma's print(): the arguments separated by spaces, no newline. */
FN(print_fn) {
  UNUSED_FN_ARGS;
  for (jerry_length_t i = 0; i < args_cnt; i++) {
    if (i > 0) host_write(1, " ", 1);
    write_value(1, args_p[i]);
  }
  return jerry_create_undefined();
}

/* console.log / console.error: the same, then a newline. */
FN(console_log_fn) {
  UNUSED_FN_ARGS;
  if (args_cnt > 0) {
    for (jerry_length_t i = 0; i < args_cnt; i++) {
      if (i > 0) host_write(1, " ", 1);
      write_value(1, args_p[i]);
    }
    host_write(1, "\n", 1);
  }
  return jerry_create_undefined();
}

FN(process_memory_usage_fn) {
  UNUSED_FN_ARGS;
  jerry_heap_stats_t stats = {0};
  if (jerry_get_memory_stats(&stats)) {
    jerry_value_t obj = jerry_create_object();
    set_prop_number(obj, "heapTotal", (double)stats.size);
    set_prop_number(obj, "heapUsed", (double)stats.allocated_bytes);
    set_prop_number(obj, "heapPeak", (double)stats.peak_allocated_bytes);
    return obj;
  }
  return jerry_create_undefined();
}

static void free_cb(void *p) { free(p); }

FN(btoa_fn) {
  UNUSED_FN_ARGS;
  if (args_cnt < 1) return arg_type_error("data", "given");
  jerry_value_t data = args_p[0];
  size_t out_sz = 0;
  unsigned char *out = NULL;
  if (jerry_value_is_typedarray(data) &&
      jerry_get_typedarray_type(data) == JERRY_TYPEDARRAY_UINT8) {
    jerry_length_t byte_length = 0, byte_offset = 0;
    jerry_value_t ab = jerry_get_typedarray_buffer(data, &byte_offset, &byte_length);
    uint8_t *buf = jerry_get_arraybuffer_pointer(ab);
    out = km_base64_encode(buf + byte_offset, byte_length, &out_sz);
    jerry_release_value(ab);
  } else if (jerry_value_is_string(data)) {
    jerry_size_t len = jerry_get_string_length(data);
    uint8_t *buf = malloc(len + 1);
    jerry_substring_to_char_buffer(data, 0, len, buf, len);
    out = km_base64_encode(buf, len, &out_sz);
    free(buf);
  } else {
    return jerry_create_error(JERRY_ERROR_TYPE, (const jerry_char_t *)"Unsupported binary data.");
  }
  if (out != NULL && out_sz > 0) {
    jerry_value_t r = jerry_create_string_sz(out, (jerry_size_t)(out_sz - 1));
    free(out);
    return r;
  }
  free(out);
  return jerry_create_undefined();
}

/* Kaluma's atob(): a Uint8Array over an external ArrayBuffer, i.e. its bytes are malloc'd
 * outside the JerryScript heap. */
FN(atob_fn) {
  UNUSED_FN_ARGS;
  char *s = arg_cstring(args_p, args_cnt, 0);
  if (!s) return arg_type_error("encodedData", "a string");
  size_t out_sz = 0;
  unsigned char *out = km_base64_decode((unsigned char *)s, strlen(s), &out_sz);
  free(s);
  if (out == NULL) return jerry_create_undefined();
  jerry_value_t ab = jerry_create_arraybuffer_external((jerry_length_t)out_sz, out, free_cb);
  jerry_value_t arr = jerry_create_typedarray_for_arraybuffer(JERRY_TYPEDARRAY_UINT8, ab);
  jerry_release_value(ab);
  return arr;
}

/* ------------------------------------------------------------------------------------------ */
/* fs (Kaluma's src/modules/fs/fs.js over a VFS; here one host folder mounted on "/")         */
/* ------------------------------------------------------------------------------------------ */

#define VFS_FLAG_READ 1
#define VFS_FLAG_WRITE 2
#define VFS_FLAG_CREATE 4
#define VFS_FLAG_APPEND 8
#define VFS_FLAG_EXCL 16
#define VFS_FLAG_TRUNC 32

enum { OP_UNLINK = 1, OP_MKDIR, OP_RMDIR, OP_RENAME };

#define MAX_FDS 32
static int fd_ids[MAX_FDS]; /* host file id + 1; 0 = free (Kaluma's __opens array) */
static jerry_value_t stats_proto;

static int flags_of(const char *f) {
  if (!strcmp(f, "r") || !strcmp(f, "rs") || !strcmp(f, "sr")) return VFS_FLAG_READ;
  if (!strcmp(f, "r+") || !strcmp(f, "rs+") || !strcmp(f, "sr+"))
    return VFS_FLAG_READ | VFS_FLAG_WRITE;
  if (!strcmp(f, "w")) return VFS_FLAG_WRITE | VFS_FLAG_CREATE | VFS_FLAG_TRUNC;
  if (!strcmp(f, "wx") || !strcmp(f, "xw")) return VFS_FLAG_WRITE | VFS_FLAG_EXCL;
  if (!strcmp(f, "w+")) return VFS_FLAG_WRITE | VFS_FLAG_READ | VFS_FLAG_TRUNC;
  if (!strcmp(f, "wx+") || !strcmp(f, "xw+")) return VFS_FLAG_WRITE | VFS_FLAG_READ | VFS_FLAG_EXCL;
  if (!strcmp(f, "a")) return VFS_FLAG_APPEND;
  if (!strcmp(f, "ax") || !strcmp(f, "xa")) return VFS_FLAG_APPEND | VFS_FLAG_EXCL;
  if (!strcmp(f, "a+")) return VFS_FLAG_APPEND | VFS_FLAG_READ;
  if (!strcmp(f, "ax+") || !strcmp(f, "xa+")) return VFS_FLAG_APPEND | VFS_FLAG_READ | VFS_FLAG_EXCL;
  return 0;
}

static int fs_open_path(const char *path, int flags) {
  int id = host_fs_open(path, flags);
  if (id < 0) return id;
  for (int fd = 0; fd < MAX_FDS; fd++) {
    if (fd_ids[fd] == 0) {
      fd_ids[fd] = id + 1;
      return fd;
    }
  }
  host_fs_close(id);
  return -24; /* EMFILE */
}

static int fs_host_id(const jerry_value_t args_p[], jerry_length_t args_cnt) {
  if (args_cnt < 1 || !jerry_value_is_number(args_p[0])) return -1;
  double fd = jerry_get_number_value(args_p[0]);
  if (fd < 0 || fd >= MAX_FDS || fd != (int)fd || fd_ids[(int)fd] == 0) return -1;
  return fd_ids[(int)fd] - 1;
}

/* fs.open(path[, flags = "r"[, mode]]) -> fd */
FN(fs_open_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  char *flags = args_cnt > 1 && jerry_value_is_string(args_p[1]) ? arg_cstring(args_p, args_cnt, 1) : NULL;
  int fd = fs_open_path(path, flags_of(flags ? flags : "r"));
  free(flags);
  free(path);
  if (fd < 0) return system_error(fd);
  return jerry_create_number(fd);
}

/* Kaluma's VFS read/write argument handling (module_vfs_lfs.c): buffer is a TypedArray;
 * offset (default 0) counts from the start of its ArrayBuffer (Kaluma does not add the
 * view's byteOffset); length defaults to the view's byteLength; position >= 0 seeks first,
 * otherwise the file's current position is used. Kaluma checks no bounds; this one throws a
 * RangeError instead of writing outside the ArrayBuffer. */
static jerry_value_t fs_rw(const jerry_value_t args_p[], jerry_length_t args_cnt, int write) {
  int id = fs_host_id(args_p, args_cnt);
  if (id < 0) return system_error(-9); /* EBADF, as fs.js's read()/write() */
  if (args_cnt < 2 || !jerry_value_is_typedarray(args_p[1])) return arg_type_error("buffer", "a TypedArray");
  for (jerry_length_t i = 2; i < 5 && i < args_cnt; i++) {
    if (!jerry_value_is_number(args_p[i]) && !jerry_value_is_undefined(args_p[i])) {
      static const char *names[] = {"", "", "offset", "length", "position"};
      return arg_type_error(names[i], "a number");
    }
  }
  jerry_length_t buf_length = 0, buf_offset = 0;
  jerry_value_t ab = jerry_get_typedarray_buffer(args_p[1], &buf_offset, &buf_length);
  uint8_t *p = jerry_get_arraybuffer_pointer(ab);
  jerry_length_t ab_length = jerry_get_arraybuffer_byte_length(ab);
  jerry_release_value(ab);
#define NUM_ARG(i, d) (args_cnt > (i) && jerry_value_is_number(args_p[i]) ? (int)jerry_get_number_value(args_p[i]) : (d))
  int offset = NUM_ARG(2, 0);
  int length = NUM_ARG(3, (int)buf_length);
  int position = NUM_ARG(4, -1);
#undef NUM_ARG
  if (offset < 0 || length < 0 || (double)offset + length > ab_length) {
    return jerry_create_error(JERRY_ERROR_RANGE,
                              (const jerry_char_t *)"offset + length is outside the buffer's ArrayBuffer");
  }
  int r = write ? host_fs_write(id, p + offset, length, position) : host_fs_read(id, p + offset, length, position);
  if (r < 0) return system_error(r);
  return jerry_create_number(r);
}

/* fs.read(fd, buffer[, offset[, length[, position]]]) -> bytes read */
FN(fs_read_fn) {
  UNUSED_FN_ARGS;
  return fs_rw(args_p, args_cnt, 0);
}
/* fs.write(fd, buffer[, offset[, length[, position]]]) -> bytes written */
FN(fs_write_fn) {
  UNUSED_FN_ARGS;
  return fs_rw(args_p, args_cnt, 1);
}

FN(fs_close_fn) {
  UNUSED_FN_ARGS;
  int id = fs_host_id(args_p, args_cnt);
  if (id < 0) return system_error(-9);
  fd_ids[(int)jerry_get_number_value(args_p[0])] = 0;
  int r = host_fs_close(id);
  if (r < 0) return system_error(r);
  return jerry_create_undefined();
}

FN(stats_is_file_fn) {
  UNUSED_FN_ARGS;
  jerry_value_t t = get_prop(this_val, "type");
  bool r = jerry_value_is_number(t) && jerry_get_number_value(t) == 1;
  jerry_release_value(t);
  return jerry_create_boolean(r);
}
FN(stats_is_directory_fn) {
  UNUSED_FN_ARGS;
  jerry_value_t t = get_prop(this_val, "type");
  bool r = jerry_value_is_number(t) && jerry_get_number_value(t) == 2;
  jerry_release_value(t);
  return jerry_create_boolean(r);
}

/* fs.stat(path) -> Stats { type, size } with isFile() and isDirectory() */
FN(fs_stat_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  double size = 0;
  int type = host_fs_stat(path, &size);
  free(path);
  if (type < 0) return system_error(type);
  jerry_value_t obj = jerry_create_object();
  jerry_release_value(jerry_set_prototype(obj, stats_proto));
  set_prop_number(obj, "type", type);
  set_prop_number(obj, "size", size);
  return obj;
}

FN(fs_exists_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  double size = 0;
  int type = host_fs_stat(path, &size);
  free(path);
  return jerry_create_boolean(type > 0);
}

/* fs.readFile(path) -> Uint8Array (on the JerryScript heap) */
FN(fs_read_file_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  double size = 0;
  int type = host_fs_stat(path, &size);
  if (type < 0) {
    free(path);
    return system_error(type);
  }
  jerry_value_t arr = jerry_create_typedarray(JERRY_TYPEDARRAY_UINT8, (jerry_length_t)size);
  if (jerry_value_is_error(arr)) {
    free(path);
    return arr;
  }
  int fd = fs_open_path(path, VFS_FLAG_READ);
  free(path);
  if (fd < 0) {
    jerry_release_value(arr);
    return system_error(fd);
  }
  jerry_length_t off = 0, len = 0;
  jerry_value_t ab = jerry_get_typedarray_buffer(arr, &off, &len);
  int r = len > 0 ? host_fs_read(fd_ids[fd] - 1, jerry_get_arraybuffer_pointer(ab), (int)len, 0) : 0;
  jerry_release_value(ab);
  host_fs_close(fd_ids[fd] - 1);
  fd_ids[fd] = 0;
  if (r < 0) {
    jerry_release_value(arr);
    return system_error(r);
  }
  return arr;
}

/* fs.writeFile(path, data): data is a TypedArray (Kaluma's write() rejects strings) */
FN(fs_write_file_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  if (args_cnt < 2 || !jerry_value_is_typedarray(args_p[1])) {
    free(path);
    return arg_type_error("buffer", "a TypedArray");
  }
  int fd = fs_open_path(path, VFS_FLAG_WRITE | VFS_FLAG_CREATE | VFS_FLAG_TRUNC);
  free(path);
  if (fd < 0) return system_error(fd);
  jerry_length_t off = 0, len = 0;
  jerry_value_t ab = jerry_get_typedarray_buffer(args_p[1], &off, &len);
  /* data.length elements from offset 0 of the ArrayBuffer, as Kaluma's write(fd, data, 0,
   * data.length, 0) does (for a Uint8Array that is the whole view when byteOffset is 0) */
  jerry_length_t n = jerry_get_typedarray_length(args_p[1]);
  int r = host_fs_write(fd_ids[fd] - 1, jerry_get_arraybuffer_pointer(ab), (int)n, 0);
  jerry_release_value(ab);
  host_fs_close(fd_ids[fd] - 1);
  fd_ids[fd] = 0;
  if (r < 0) return system_error(r);
  return jerry_create_undefined();
}

static jerry_value_t path_op(int op, const jerry_value_t args_p[], jerry_length_t args_cnt) {
  char *a = arg_cstring(args_p, args_cnt, 0);
  if (!a) return arg_type_error("path", "a string");
  char *b = NULL;
  if (op == OP_RENAME) {
    b = arg_cstring(args_p, args_cnt, 1);
    if (!b) {
      free(a);
      return arg_type_error("newPath", "a string");
    }
  }
  int r = host_fs_path_op(op, a, b);
  free(a);
  free(b);
  if (r < 0) return system_error(r);
  return jerry_create_undefined();
}
FN(fs_unlink_fn) {
  UNUSED_FN_ARGS;
  return path_op(OP_UNLINK, args_p, args_cnt);
}
FN(fs_mkdir_fn) {
  UNUSED_FN_ARGS;
  return path_op(OP_MKDIR, args_p, args_cnt);
}
FN(fs_rmdir_fn) {
  UNUSED_FN_ARGS;
  return path_op(OP_RMDIR, args_p, args_cnt);
}
FN(fs_rename_fn) {
  UNUSED_FN_ARGS;
  return path_op(OP_RENAME, args_p, args_cnt);
}
/* fs.rm(path): a directory with rmdir, a file with unlink */
FN(fs_rm_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  double size = 0;
  int type = host_fs_stat(path, &size);
  int r = type < 0 ? type : host_fs_path_op(type == 2 ? OP_RMDIR : OP_UNLINK, path, NULL);
  free(path);
  if (r < 0) return system_error(r);
  return jerry_create_undefined();
}

FN(fs_readdir_fn) {
  UNUSED_FN_ARGS;
  char *path = arg_cstring(args_p, args_cnt, 0);
  if (!path) return arg_type_error("path", "a string");
  int err = 0;
  char *names = host_fs_readdir(path, &err);
  free(path);
  if (!names) return system_error(err ? err : -5);
  jerry_value_t arr = jerry_create_array(0);
  uint32_t i = 0;
  char *s = names;
  while (*s) {
    char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    jerry_value_t v = jerry_create_string_sz_from_utf8((const jerry_char_t *)s, (jerry_size_t)n);
    jerry_release_value(jerry_set_property_by_index(arr, i++, v));
    jerry_release_value(v);
    if (!e) break;
    s = e + 1;
  }
  free(names);
  return arr;
}

FN(fs_cwd_fn) {
  UNUSED_FN_ARGS;
  return jerry_create_string((const jerry_char_t *)"/");
}

static jerry_value_t create_fs_module(void) {
  jerry_value_t fs = jerry_create_object();
  stats_proto = jerry_create_object();
  set_fn(stats_proto, "isFile", stats_is_file_fn);
  set_fn(stats_proto, "isDirectory", stats_is_directory_fn);
  set_fn(fs, "open", fs_open_fn);
  set_fn(fs, "read", fs_read_fn);
  set_fn(fs, "write", fs_write_fn);
  set_fn(fs, "close", fs_close_fn);
  set_fn(fs, "stat", fs_stat_fn);
  set_fn(fs, "exists", fs_exists_fn);
  set_fn(fs, "readFile", fs_read_file_fn);
  set_fn(fs, "writeFile", fs_write_file_fn);
  set_fn(fs, "unlink", fs_unlink_fn);
  set_fn(fs, "mkdir", fs_mkdir_fn);
  set_fn(fs, "rmdir", fs_rmdir_fn);
  set_fn(fs, "rename", fs_rename_fn);
  set_fn(fs, "rm", fs_rm_fn);
  set_fn(fs, "readdir", fs_readdir_fn);
  set_fn(fs, "cwd", fs_cwd_fn);
  return fs;
}

/* ------------------------------------------------------------------------------------------ */
/* require (Kaluma's startup.js Module.require for builtin modules)                             */
/* ------------------------------------------------------------------------------------------ */

static jerry_value_t fs_module; /* 0 until the first require('fs') (Module.cache) */

FN(require_fn) {
  UNUSED_FN_ARGS;
  char *id = arg_cstring(args_p, args_cnt, 0);
  if (id && !strcmp(id, "fs")) {
    free(id);
    if (!fs_module) fs_module = create_fs_module();
    return jerry_acquire_value(fs_module);
  }
  /* Kaluma: throw new Error("Failed to load module: " + id) */
  char msg[160];
  snprintf(msg, sizeof msg, "Failed to load module: %s", id ? id : "undefined");
  free(id);
  return jerry_create_error(JERRY_ERROR_COMMON, (const jerry_char_t *)msg);
}

/* ------------------------------------------------------------------------------------------ */
/* exports                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static double deadline_ms;

static jerry_value_t vm_exec_stop_cb(void *user_p) {
  (void)user_p;
  if (deadline_ms > 0 && host_now() > deadline_ms) {
    return jerry_create_string((const jerry_char_t *)"Aborted");
  }
  return jerry_create_undefined();
}

EMSCRIPTEN_KEEPALIVE int mote_init(void) {
  jerry_init(JERRY_INIT_EMPTY);
  /* as Kaluma's km_runtime_init: frequency 16 (Kaluma's callback answers Ctrl-C) */
  jerry_set_vm_exec_stop_callback(vm_exec_stop_cb, NULL, 16);
  jerry_value_t global = jerry_get_global_object();
  set_prop(global, "global", global);
  set_fn(global, "print", print_fn);
  set_fn(global, "btoa", btoa_fn);
  set_fn(global, "atob", atob_fn);
  set_fn(global, "require", require_fn);

  jerry_value_t console = jerry_create_object();
  set_fn(console, "log", console_log_fn);
  set_fn(console, "error", console_log_fn);
  set_prop(global, "console", console);
  jerry_release_value(console);

  jerry_value_t process = jerry_create_object();
  set_prop_string(process, "arch", "cortex-m0-plus");
  set_prop_string(process, "platform", "rp2");
  set_prop_string(process, "version", "1.2.1");
  set_fn(process, "memoryUsage", process_memory_usage_fn);
  jerry_value_t modules = jerry_create_array(1);
  jerry_value_t fs_name = jerry_create_string((const jerry_char_t *)"fs");
  jerry_release_value(jerry_set_property_by_index(modules, 0, fs_name));
  jerry_release_value(fs_name);
  set_prop(process, "builtin_modules", modules);
  jerry_release_value(modules);
  set_prop(global, "process", process);
  jerry_release_value(process);

  /* SystemError extends Error (Kaluma's jerryxx_inherit: no own name, so String(e) is
   * "Error: <message>") */
  system_error_ctor = jerry_create_external_function(system_error_ctor_fn);
  jerry_value_t error_ctor = get_prop(global, "Error");
  jerry_value_t error_proto = get_prop(error_ctor, "prototype");
  jerry_value_t proto = jerry_create_object();
  jerry_release_value(jerry_set_prototype(proto, error_proto));
  set_prop(proto, "constructor", system_error_ctor);
  set_prop(system_error_ctor, "prototype", proto);
  set_prop(global, "SystemError", system_error_ctor);
  jerry_release_value(proto);
  jerry_release_value(error_proto);
  jerry_release_value(error_ctor);

  jerry_release_value(global);
  jerry_gc(JERRY_GC_PRESSURE_HIGH);
  return 0;
}

/* Parses (strict mode, as Kaluma's REPL and program loader) and runs one script, then the
 * queued promise jobs. Returns 0, or 1 after writing the uncaught error's text to stream 2. */
EMSCRIPTEN_KEEPALIVE int mote_eval(const char *src, int len, double deadline) {
  deadline_ms = deadline;
  jerry_value_t result;
  jerry_value_t parsed = jerry_parse(NULL, 0, (const jerry_char_t *)src, (size_t)len, JERRY_PARSE_STRICT_MODE);
  if (jerry_value_is_error(parsed)) {
    result = parsed;
  } else {
    result = jerry_run(parsed);
    jerry_release_value(parsed);
    if (!jerry_value_is_error(result)) {
      jerry_release_value(result);
      result = jerry_run_all_enqueued_jobs();
    }
  }
  int failed = jerry_value_is_error(result);
  if (failed) {
    jerry_value_t v = jerry_get_value_from_error(result, false);
    write_value(2, v);
    jerry_release_value(v);
  }
  jerry_release_value(result);
  deadline_ms = 0;
  return failed;
}

/* out[0..2] = heap size, allocated bytes, peak allocated bytes */
EMSCRIPTEN_KEEPALIVE void mote_memory(double *out) {
  jerry_heap_stats_t stats = {0};
  jerry_get_memory_stats(&stats);
  out[0] = (double)stats.size;
  out[1] = (double)stats.allocated_bytes;
  out[2] = (double)stats.peak_allocated_bytes;
}

EMSCRIPTEN_KEEPALIVE void mote_reset_peak(void) {
  JERRY_CONTEXT(jmem_heap_stats).peak_allocated_bytes = JERRY_CONTEXT(jmem_heap_stats).allocated_bytes;
}

EMSCRIPTEN_KEEPALIVE void mote_gc(void) { jerry_gc(JERRY_GC_PRESSURE_HIGH); }
