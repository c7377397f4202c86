// The baseline for bench/micro/callbacks.ts: a network filter that does nothing. It exports the same
// L4 callbacks the Sentinel filter exports (so the host makes the same calls into the VM and the
// same JS<->Wasm transitions) and each returns Continue at once; the difference between the two is
// then the filter's own work. It makes no hostcall. The only state is one counter, read by the
// benchmark through `bench_new_connections`, so a run can prove the callbacks really ran.
import "../../../abi/assembly/abort"; // the build routes aborts here (--use abort=...), as in every module

let newConnections: u32 = 0;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return heap.alloc(size); }

export function proxy_on_context_create(context: u32, root: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 { return 1; }
export function proxy_on_new_connection(context: u32): u32 { newConnections++; return 0; }
export function proxy_on_downstream_data(context: u32, size: u32, endOfStream: u32): u32 { return 0; }
export function proxy_on_upstream_data(context: u32, size: u32, endOfStream: u32): u32 { return 0; }
export function proxy_on_downstream_connection_close(context: u32, peer: u32): void {}
export function proxy_on_upstream_connection_close(context: u32, peer: u32): void {}
export function proxy_on_done(context: u32): u32 { return 1; }
export function proxy_on_log(context: u32): void {}
export function proxy_on_delete(context: u32): void {}

export function bench_new_connections(): u32 { return newConnections; }
