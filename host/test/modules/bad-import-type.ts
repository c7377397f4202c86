// proxy_log imported with the wrong arity: an import type mismatch.
import { alloc } from "./lib/env";
@external("env", "proxy_log") declare function badLog(level: u32, ptr: usize): u32;
export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }
export function proxy_on_vm_start(root: u32, len: u32): u32 { badLog(2, 0); return 1; }
