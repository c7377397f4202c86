// Imports a function Envoy does not provide: the load must fail with Envoy's missing-import text.
import { alloc } from "./lib/env";
@external("env", "foo") declare function foo(): void;
export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }
export function proxy_on_vm_start(root: u32, len: u32): u32 { foo(); return 1; }
