// ABI 0.2.0 does not offer proxy_get_log_level (only 0.2.1 does).
import { alloc, proxy_get_log_level, OUT_U64 } from "./lib/env";
export function proxy_abi_version_0_2_0(): void {}
export function malloc(size: usize): usize { return alloc(size); }
export function proxy_on_vm_start(root: u32, len: u32): u32 { return proxy_get_log_level(OUT_U64) == 0 ? 1 : 0; }
