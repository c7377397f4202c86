// proxy_on_new_connection must be (i32) -> i32.
import { alloc } from "./lib/env";
export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }
export function proxy_on_new_connection(ctx: u32, extra: u32): u32 { return ctx + extra; }
