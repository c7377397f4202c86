// Only proxy_on_memory_allocate (no malloc): the host must allocate returned buffers through it.
import { bufferString, info } from "./lib/env";
export function proxy_abi_version_0_2_0(): void {}
let allocations = 0;
export function proxy_on_memory_allocate(size: usize): usize { allocations++; return heap.alloc(size); }
export function proxy_on_configure(root: u32, len: u32): u32 {
  const cfg = bufferString(7, 0, len);
  info("cfg=" + cfg + " allocations=" + allocations.toString());
  return 1;
}
