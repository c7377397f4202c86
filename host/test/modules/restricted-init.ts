// Top-level code runs in _initialize (--exportStart): proxy_log and WASI clocks are allowed there,
// anything else traps with restricted_callback and fails the VM.
import { alloc, info, clock_time_get, OUT_U64, proxy_set_tick_period_milliseconds } from "./lib/env";
export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }
info("init log " + clock_time_get(0, 0, OUT_U64).toString());
proxy_set_tick_period_milliseconds(10);
info("not reached");
export function proxy_on_vm_start(root: u32, len: u32): u32 { return 1; }
