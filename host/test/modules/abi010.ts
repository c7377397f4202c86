// An ABI 0.1.0 module: proxy_get_configuration (plugin configuration in on_configure, else the VM
// configuration), continue_request/response and clear_route_cache are offered only to this ABI.
import { alloc, info, outString, OUT_PTR, OUT_SIZE } from "./lib/env";
@external("env", "proxy_get_configuration") declare function proxy_get_configuration(pp: usize, sp: usize): u32;
@external("env", "proxy_continue_request") declare function proxy_continue_request(): u32;
@external("env", "proxy_continue_response") declare function proxy_continue_response(): u32;
@external("env", "proxy_clear_route_cache") declare function proxy_clear_route_cache(): u32;
export function proxy_abi_version_0_1_0(): void {}
export function malloc(size: usize): usize { return alloc(size); }
export function proxy_on_vm_start(root: u32, len: u32): u32 {
  info("vm_start config=" + proxy_get_configuration(OUT_PTR, OUT_SIZE).toString() + ":" + outString());
  return 1;
}
export function proxy_on_configure(root: u32, len: u32): u32 {
  info("configure config=" + proxy_get_configuration(OUT_PTR, OUT_SIZE).toString() + ":" + outString() +
    " continue_request=" + proxy_continue_request().toString() +
    " continue_response=" + proxy_continue_response().toString() + " clear_route_cache=" + proxy_clear_route_cache().toString());
  return 1;
}
