// WASI as cpp-host provides it (docs §2.2): every function under both wasi_unstable and
// wasi_snapshot_preview1. Only stdout/stderr exist, as log lines; the file system and sockets are stubs
// with cpp-host's errno values.
import { randomFillSync } from "node:crypto";
import { LogLevel } from "../contracts.ts";
import { sig, type AbiHost, type HostFnDef, type HostImpl } from "./types.ts";

const E = { SUCCESS: 0, BADF: 8, NOTDIR: 20, EFAULT: 21, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58 } as const;
const RANDOM_GET_MAX = 64 * 1024;
const isStdio = (fd: number): boolean => fd === 1 || fd === 2;

/** Envoy's Context::error: a trace-level line on the wasm logger. */
function trace(h: AbiHost, line: string): void {
  if (LogLevel.trace >= h.env.wasmLogLevel()) h.env.emitLog(LogLevel.trace, "wasm", line);
}

/** fd_write / fd_pwrite: gather the iovecs into one log line (trailing \n dropped). */
function writev(h: AbiHost, fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
  let level: number;
  if (fd === 1) level = LogLevel.info;
  else if (fd === 2) level = LogLevel.error;
  else return E.BADF;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < iovsLen; i++) {
    const iov = h.read(iovs + i * 8, 8);
    if (!iov) return E.EFAULT;
    const dv = new DataView(iov.buffer, iov.byteOffset, 8);
    const buf = dv.getUint32(0, true), len = dv.getUint32(4, true);
    if (len === 0) continue;
    const data = h.read(buf, len);
    if (!data) return E.EFAULT;
    parts.push(data.slice());
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total > 0) {
    let s = Buffer.concat(parts).toString("utf8");
    if (s.endsWith("\n")) s = s.slice(0, -1);
    h.log(level, s);
  }
  return h.writeU32(nwrittenPtr, total) ? E.SUCCESS : E.EFAULT;
}

function environ(h: AbiHost): Uint8Array[] {
  return Object.entries(h.environmentVariables).map(([k, v]) => new TextEncoder().encode(`${k}=${v}\0`));
}

const stdioOnly = (ok: number): HostImpl => (_h, fd: number) => (isStdio(fd) ? ok : E.BADF);

const WASI: [string, string, string, HostImpl][] = [
  ["fd_write", "iiii", "i", (h, fd: number, iovs: number, n: number, nw: number) => writev(h, fd, iovs, n, nw)],
  ["fd_pwrite", "iiiIi", "i", (h, fd: number, iovs: number, n: number, _off: bigint, nw: number) => writev(h, fd, iovs, n, nw)],
  ["fd_read", "iiii", "i", () => E.NOSYS],
  ["fd_pread", "iiiIi", "i", () => E.NOSYS],
  ["fd_seek", "iIii", "i", (h) => { trace(h, "wasi_unstable fd_seek"); return E.SUCCESS; }],
  ["fd_close", "i", "i", (h) => { trace(h, "wasi_unstable fd_close"); return E.SUCCESS; }],
  ["fd_fdstat_get", "ii", "i", (h, fd: number, out: number) => {
    if (!isStdio(fd)) return E.BADF;
    const stat = new Uint8Array(24);
    new DataView(stat.buffer).setBigUint64(8, 64n, true); // fs_rights_base = FD_WRITE
    h.writeBytes(out, stat);
    return E.SUCCESS;
  }],
  ["fd_fdstat_set_flags", "ii", "i", () => E.NOSYS],
  ["fd_fdstat_set_rights", "iII", "i", stdioOnly(E.SUCCESS)],
  ["fd_advise", "iIIi", "i", () => E.SUCCESS],
  ["fd_allocate", "iII", "i", stdioOnly(E.SUCCESS)],
  ["fd_datasync", "i", "i", stdioOnly(E.SUCCESS)],
  ["fd_filestat_get", "ii", "i", () => E.BADF],
  ["fd_filestat_set_size", "iI", "i", stdioOnly(E.SUCCESS)],
  ["fd_filestat_set_times", "iIIi", "i", stdioOnly(E.SUCCESS)],
  ["fd_readdir", "iiiIi", "i", (h, _fd: number, _b: number, _l: number, _c: bigint, nread: number) =>
    (h.writeU32(nread, 0) ? E.NOTDIR : E.EFAULT)],
  ["fd_renumber", "ii", "i", (_h, fd: number, to: number) => (isStdio(fd) && isStdio(to) ? E.NOTSUP : E.BADF)],
  ["fd_sync", "i", "i", stdioOnly(E.SUCCESS)],
  ["fd_tell", "ii", "i", (h, fd: number, ret: number) => (!isStdio(fd) ? E.BADF : h.writeU64(ret, 0n) ? E.SUCCESS : E.EFAULT)],
  ["fd_prestat_get", "ii", "i", () => E.BADF],
  ["fd_prestat_dir_name", "iii", "i", () => E.NOSYS],
  ["path_open", "iiiiiIIii", "i", () => E.NOENT],
  ["path_filestat_get", "iiiii", "i", () => E.NOTSUP],
  ["path_create_directory", "iii", "i", () => E.NOTSUP],
  ["path_filestat_set_times", "iiiiIIi", "i", () => E.NOTSUP],
  ["path_link", "iiiiii", "i", () => E.NOTSUP],
  ["path_readlink", "iiiiii", "i", (h, _fd: number, _p: number, _pl: number, _b: number, _bl: number, ret: number) =>
    (h.writeU32(ret, 0) ? E.NOTSUP : E.EFAULT)],
  ["path_remove_directory", "iii", "i", () => E.NOTSUP],
  ["path_rename", "iiiiii", "i", () => E.NOTSUP],
  ["path_symlink", "iiii", "i", () => E.NOTSUP],
  ["path_unlink_file", "iii", "i", () => E.NOTSUP],
  // cpp-host zeroes a uint64_t here (setDatatype(retptr0, 0UL)), 8 bytes for a 4-byte fd: copied as is.
  ["sock_accept", "iii", "i", (h, _fd: number, _f: number, ret: number) => (h.writeU64(ret, 0n) ? E.NOTSUP : E.EFAULT)],
  ["sock_recv", "iiiiii", "i", (h, _fd: number, _d: number, _dl: number, _f: number, ret0: number, ret1: number) =>
    (h.writeU32(ret0, 0) && h.writeBytes(ret1, new Uint8Array(2)) ? E.NOTSUP : E.EFAULT)],
  ["sock_send", "iiiii", "i", (h, _fd: number, _d: number, _dl: number, _f: number, ret: number) => (h.writeU32(ret, 0) ? E.NOTSUP : E.EFAULT)],
  ["sock_shutdown", "ii", "i", () => E.NOTSUP],
  ["environ_sizes_get", "ii", "i", (h, countPtr: number, sizePtr: number) => {
    const env = environ(h);
    if (!h.writeU32(countPtr, env.length)) return E.EFAULT;
    return h.writeU32(sizePtr, env.reduce((n, e) => n + e.length, 0)) ? E.SUCCESS : E.EFAULT;
  }],
  ["environ_get", "ii", "i", (h, arrayPtr: number, bufPtr: number) => {
    for (const e of environ(h)) {
      if (!h.writeU32(arrayPtr, bufPtr) || !h.writeBytes(bufPtr, e)) return E.EFAULT;
      bufPtr += e.length;
      arrayPtr += 4;
    }
    return E.SUCCESS;
  }],
  ["args_get", "ii", "i", () => E.SUCCESS],
  ["args_sizes_get", "ii", "i", (h, argc: number, bufSize: number) => (h.writeU32(argc, 0) && h.writeU32(bufSize, 0) ? E.SUCCESS : E.EFAULT)],
  ["clock_time_get", "iIi", "i", (h, id: number, _precision: bigint, out: number) => {
    let t: bigint;
    if (id === 0) t = h.env.wallTimeNs();
    else if (id === 1) t = h.env.monotonicNs();
    else return E.NOTSUP;
    return h.writeU64(out, t) ? E.SUCCESS : E.EFAULT;
  }],
  ["clock_res_get", "ii", "i", (h, id: number, out: number) => {
    if (id !== 0 && id !== 1) return E.NOTSUP;
    return h.writeU64(out, 1n) ? E.SUCCESS : E.EFAULT;
  }],
  ["random_get", "ii", "i", (h, ptr: number, len: number) => {
    if (len > RANDOM_GET_MAX) return E.INVAL;
    if (len === 0) return E.SUCCESS;
    return h.writeBytes(ptr, randomFillSync(new Uint8Array(len))) ? E.SUCCESS : E.EFAULT;
  }],
  ["sched_yield", "", "i", () => E.SUCCESS],
  ["poll_oneoff", "iiii", "i", (h, _in: number, _out: number, _n: number, neventsPtr: number) => (h.writeU32(neventsPtr, 0) ? E.SUCCESS : E.EFAULT)],
  // Envoy does not trap here; it records the call at trace level and returns.
  ["proc_exit", "i", "", (h) => { trace(h, "wasi_unstable proc_exit"); }],
];

export const WASI_MODULES = ["wasi_unstable", "wasi_snapshot_preview1"] as const;

export const wasiFns: HostFnDef[] = WASI_MODULES.flatMap((module) =>
  WASI.map(([name, params, result, impl]) => ({ module, name, ...sig(params, result), impl })));
