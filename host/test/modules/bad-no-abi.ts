// No proxy_abi_version_* export.
import { alloc } from "./lib/env";
export function malloc(size: usize): usize { return alloc(size); }
export function proxy_on_vm_start(root: u32, len: u32): u32 { return 1; }
