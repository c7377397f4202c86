// Raw proxy-wasm imports for the host's conformance modules (deliberately not the abi/ layer: these
import "../../../../abi/assembly/abort"; // the build routes aborts here (--use abort=...)
// modules test the host, so they make every call by hand and report raw statuses).
@external("env", "proxy_log") export declare function proxy_log(level: u32, ptr: usize, len: usize): u32;
@external("env", "proxy_get_buffer_bytes") export declare function proxy_get_buffer_bytes(t: u32, start: u32, len: u32, pp: usize, sp: usize): u32;
@external("env", "proxy_set_buffer_bytes") export declare function proxy_set_buffer_bytes(t: u32, start: u32, len: u32, p: usize, l: usize): u32;
@external("env", "proxy_get_buffer_status") export declare function proxy_get_buffer_status(t: u32, lp: usize, fp: usize): u32;
@external("env", "proxy_continue_stream") export declare function proxy_continue_stream(t: u32): u32;
@external("env", "proxy_close_stream") export declare function proxy_close_stream(t: u32): u32;
@external("env", "proxy_get_property") export declare function proxy_get_property(p: usize, l: usize, vpp: usize, vsp: usize): u32;
@external("env", "proxy_set_property") export declare function proxy_set_property(p: usize, l: usize, v: usize, vl: usize): u32;
@external("env", "proxy_set_tick_period_milliseconds") export declare function proxy_set_tick_period_milliseconds(ms: u32): u32;
@external("env", "proxy_get_current_time_nanoseconds") export declare function proxy_get_current_time_nanoseconds(p: usize): u32;
@external("env", "proxy_set_effective_context") export declare function proxy_set_effective_context(id: u32): u32;
@external("env", "proxy_get_shared_data") export declare function proxy_get_shared_data(kp: usize, kl: usize, vpp: usize, vsp: usize, casp: usize): u32;
@external("env", "proxy_set_shared_data") export declare function proxy_set_shared_data(kp: usize, kl: usize, vp: usize, vl: usize, cas: u32): u32;
@external("env", "proxy_register_shared_queue") export declare function proxy_register_shared_queue(np: usize, nl: usize, tp: usize): u32;
@external("env", "proxy_resolve_shared_queue") export declare function proxy_resolve_shared_queue(vp: usize, vl: usize, np: usize, nl: usize, tp: usize): u32;
@external("env", "proxy_enqueue_shared_queue") export declare function proxy_enqueue_shared_queue(t: u32, p: usize, l: usize): u32;
@external("env", "proxy_dequeue_shared_queue") export declare function proxy_dequeue_shared_queue(t: u32, pp: usize, sp: usize): u32;
@external("env", "proxy_define_metric") export declare function proxy_define_metric(kind: u32, p: usize, l: usize, idp: usize): u32;
@external("env", "proxy_increment_metric") export declare function proxy_increment_metric(id: u32, off: i64): u32;
@external("env", "proxy_record_metric") export declare function proxy_record_metric(id: u32, v: u64): u32;
@external("env", "proxy_get_metric") export declare function proxy_get_metric(id: u32, p: usize): u32;
@external("env", "proxy_get_log_level") export declare function proxy_get_log_level(p: usize): u32;
@external("env", "proxy_get_status") export declare function proxy_get_status(cp: usize, mpp: usize, msp: usize): u32;
@external("env", "proxy_done") export declare function proxy_done(): u32;
@external("env", "proxy_get_header_map_value") export declare function proxy_get_header_map_value(t: u32, kp: usize, kl: usize, vpp: usize, vsp: usize): u32;
@external("env", "proxy_get_header_map_pairs") export declare function proxy_get_header_map_pairs(t: u32, pp: usize, sp: usize): u32;
@external("env", "proxy_grpc_call") export declare function proxy_grpc_call(sp: usize, sl: usize, np: usize, nl: usize, mp: usize, ml: usize, ip: usize, il: usize, rp: usize, rl: usize, timeout: u32, tokp: usize): u32;
@external("env", "proxy_http_call") export declare function proxy_http_call(up: usize, ul: usize, hp: usize, hl: usize, bp: usize, bl: usize, tp: usize, tl: usize, timeout: u32, tokp: usize): u32;
@external("env", "proxy_grpc_cancel") export declare function proxy_grpc_cancel(t: u32): u32;
@external("env", "proxy_call_foreign_function") export declare function proxy_call_foreign_function(np: usize, nl: usize, ap: usize, al: usize, rpp: usize, rsp: usize): u32;
@external("env", "proxy_send_local_response") export declare function proxy_send_local_response(code: u32, dp: usize, dl: usize, bp: usize, bl: usize, hp: usize, hl: usize, grpc: i32): u32;
@external("wasi_snapshot_preview1", "fd_write") export declare function fd_write(fd: u32, iovs: usize, n: usize, nw: usize): u32;
@external("wasi_snapshot_preview1", "clock_time_get") export declare function clock_time_get(id: u32, precision: u64, out: usize): u32;
@external("wasi_snapshot_preview1", "proc_exit") export declare function proc_exit(code: u32): void;
@external("wasi_snapshot_preview1", "random_get") export declare function random_get(p: usize, l: usize): u32;
@external("wasi_snapshot_preview1", "args_sizes_get") export declare function args_sizes_get(cp: usize, sp: usize): u32;
@external("wasi_snapshot_preview1", "fd_fdstat_get") export declare function fd_fdstat_get(fd: u32, p: usize): u32;
@external("wasi_snapshot_preview1", "path_open") export declare function path_open(fd: u32, df: u32, p: usize, l: usize, oflags: u32, rb: u64, ri: u64, ff: u32, out: usize): u32;
@external("wasi_snapshot_preview1", "fd_read") export declare function fd_read(fd: u32, iovs: usize, n: usize, nr: usize): u32;
@external("wasi_snapshot_preview1", "sched_yield") export declare function sched_yield(): u32;
@external("wasi_snapshot_preview1", "poll_oneoff") export declare function poll_oneoff(i: usize, o: usize, n: u32, ne: usize): u32;
@external("wasi_snapshot_preview1", "fd_prestat_get") export declare function fd_prestat_get(fd: u32, p: usize): u32;
@external("wasi_snapshot_preview1", "clock_res_get") export declare function clock_res_get(id: u32, p: usize): u32;
@external("wasi_unstable", "environ_sizes_get") export declare function environ_sizes_get(cp: usize, sp: usize): u32;
@external("wasi_unstable", "environ_get") export declare function environ_get(ap: usize, bp: usize): u32;

// scratch slots for out-parameters
export const OUT_PTR: usize = memory.data(8);
export const OUT_SIZE: usize = memory.data(8);
export const OUT_U64: usize = memory.data(8);

export function bytesOf(s: string): ArrayBuffer { return String.UTF8.encode(s, false); }

export function log(level: u32, s: string): void {
  const b = bytesOf(s);
  proxy_log(level, changetype<usize>(b), b.byteLength);
}
export function info(s: string): void { log(2, s); }

/** Reads what the host returned through OUT_PTR/OUT_SIZE as a string. */
export function outString(): string {
  const p = load<u32>(OUT_PTR), n = load<u32>(OUT_SIZE);
  return n == 0 ? "" : String.UTF8.decodeUnsafe(<usize>p, <usize>n, false);
}

export function bufferString(t: u32, start: u32, len: u32): string {
  const st = proxy_get_buffer_bytes(t, start, len, OUT_PTR, OUT_SIZE);
  if (st != 0) return "<status " + st.toString() + ">";
  return outString();
}

/** The module's allocator (the host calls it for every buffer it returns). */
export function alloc(size: usize): usize { return heap.alloc(size); }
