// L4 conformance module: logs every callback with its arguments and behaves as the plugin
// configuration says (space-separated words), so one module drives many host tests.
import { OUT_PTR, OUT_SIZE, alloc, bufferString, bytesOf, info, outString, proxy_close_stream, proxy_continue_stream,
  proxy_get_property, proxy_set_buffer_bytes, proxy_set_effective_context, proxy_set_property,
  proxy_set_tick_period_milliseconds, proxy_get_buffer_bytes, proxy_register_shared_queue, proxy_done, OUT_U64 } from "./lib/env";

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }

let words: string[] = [];
let lastStream: u32 = 0;
let heldStream: u32 = 0;

function has(w: string): bool { return words.includes(w); }
function param(prefix: string): string {
  for (let i = 0; i < words.length; i++) if (words[i].startsWith(prefix)) return words[i].substring(prefix.length);
  return "";
}

export function proxy_on_context_create(ctx: u32, root: u32): void {
  info("cb context_create " + ctx.toString() + " " + root.toString() + (root == 0 ? " plugincfg=" + bufferString(7, 0, 100) : ""));
}

export function proxy_on_vm_start(root: u32, len: u32): u32 {
  info("cb vm_start " + root.toString() + " " + len.toString() + " vmcfg=" + bufferString(6, 0, len) + " plugincfg=" + bufferString(7, 0, 100));
  return 1;
}

export function proxy_on_configure(root: u32, len: u32): u32 {
  const cfg = bufferString(7, 0, len);
  info("cb configure " + root.toString() + " " + len.toString() + " cfg=" + cfg);
  words = cfg.split(" ");
  const tick = param("tick:");
  if (tick.length > 0) proxy_set_tick_period_milliseconds(<u32>parseInt(tick));
  if (has("defer_done")) {
    const q = bytesOf("done_q");
    proxy_register_shared_queue(changetype<usize>(q), q.byteLength, OUT_U64);
  }
  return has("reject") ? 0 : 1;
}

export function proxy_on_queue_ready(root: u32, token: u32): void {
  info("cb queue_ready " + root.toString() + " proxy_done=" + proxy_done().toString());
}

let ticks = 0;
export function proxy_on_tick(root: u32): void {
  ticks++;
  info("cb tick " + root.toString());
  const stopAfter = param("tick_stop_after:");
  if (stopAfter.length > 0 && ticks >= <i32>parseInt(stopAfter)) proxy_set_tick_period_milliseconds(0);
  const change = param("tick_change_to:");
  if (change.length > 0 && ticks == 1) proxy_set_tick_period_milliseconds(<u32>parseInt(change));
  if (has("continue_on_tick") && heldStream != 0) {
    const s1 = proxy_set_effective_context(heldStream);
    const s2 = proxy_continue_stream(2);
    info("tick continued " + heldStream.toString() + " " + s1.toString() + " " + s2.toString());
    heldStream = 0;
  }
  if (has("trap_on_tick")) unreachable();
}

function prop(path: string): string {
  const b = bytesOf(path);
  const st = proxy_get_property(changetype<usize>(b), b.byteLength, OUT_PTR, OUT_SIZE);
  if (st != 0) return "st" + st.toString();
  return outString();
}
function propU64(path: string): string {
  const b = bytesOf(path);
  const st = proxy_get_property(changetype<usize>(b), b.byteLength, OUT_PTR, OUT_SIZE);
  if (st != 0) return "st" + st.toString();
  const n = load<u32>(OUT_SIZE);
  return (n >= 8 ? load<u64>(load<u32>(OUT_PTR)) : <u64>load<u8>(load<u32>(OUT_PTR))).toString() + "/" + n.toString();
}

export function proxy_on_new_connection(ctx: u32): u32 {
  lastStream = ctx;
  info("cb new_connection " + ctx.toString());
  if (has("props")) {
    info("prop source.address=" + prop("source\0address") + " source.port=" + propU64("source\0port") +
      " destination.address=" + prop("destination\0address") + " destination.port=" + propU64("destination\0port") +
      " connection.id=" + propU64("connection\0id") + " connection_id=" + propU64("connection_id") +
      " plugin_name=" + prop("plugin_name") + " plugin_root_id=" + prop("plugin_root_id") + " plugin_vm_id=" + prop("plugin_vm_id") +
      " dotted=" + prop("source.address") + " unknown=" + prop("no_such") + " upstream=" + prop("upstream\0address") +
      " group=" + prop("source") + " nokey=" + prop("source\0nokey") + " mtls=" + propU64("connection\0mtls"));
    const k = bytesOf("my_key"), v = bytesOf("my_value");
    const st = proxy_set_property(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength);
    info("prop set=" + st.toString() + " get=" + prop("my_key"));
  }
  const streamTick = param("tick_from_stream:");
  if (streamTick.length > 0) info("stream set_tick_period=" + proxy_set_tick_period_milliseconds(<u32>parseInt(streamTick)).toString());
  if (has("trap_on_new")) unreachable();
  if (has("stop_on_new")) { heldStream = ctx; return 1; }
  return 0;
}

export function proxy_on_downstream_data(ctx: u32, len: u32, eos: u32): u32 {
  info("cb downstream_data " + ctx.toString() + " " + len.toString() + " " + eos.toString() + " data=" + bufferString(2, 0, len));
  if (has("props")) info("prop upstream=" + prop("upstream\0address"));
  if (has("trap_on_data")) unreachable();
  const replace = param("replace:");
  if (replace.length > 0) {
    const r = bytesOf(replace);
    info("set_buffer " + proxy_set_buffer_bytes(2, 0, len, changetype<usize>(r), r.byteLength).toString());
  }
  if (has("buffer_rules")) {
    const x = bytesOf("X");
    const p = changetype<usize>(x);
    const prepend = proxy_set_buffer_bytes(2, 0, 0, p, 1);
    const append = proxy_set_buffer_bytes(2, len + 1, 0, p, 1);
    const middle = proxy_set_buffer_bytes(2, 1, 1, p, 1);
    const badType = proxy_set_buffer_bytes(9, 0, 0, p, 1);
    const noUpstream = proxy_set_buffer_bytes(3, 0, 0, p, 1);
    const oob = proxy_set_buffer_bytes(2, 0, 0, 0xfffffff0, 64);
    const past = proxy_get_buffer_bytes(2, 1000, 10, OUT_PTR, OUT_SIZE);
    const pastInfo = load<u32>(OUT_PTR).toString() + "/" + load<u32>(OUT_SIZE).toString();
    const overflow = proxy_get_buffer_bytes(2, 0xffffffff, 2, OUT_PTR, OUT_SIZE);
    info("rules prepend=" + prepend.toString() + " append=" + append.toString() + " middle=" + middle.toString() +
      " badtype=" + badType.toString() + " noUpstream=" + noUpstream.toString() + " oob=" + oob.toString() +
      " past=" + past.toString() + ":" + pastInfo + " overflow=" + overflow.toString() + " now=" + bufferString(2, 0, 100));
  }
  if (has("close_on_data")) {
    info("close_stream(2)=" + proxy_close_stream(2).toString() + " after=" + bufferString(2, 0, 100));
  }
  if (has("close_up_on_data")) info("close_stream(3)=" + proxy_close_stream(3).toString());
  if (has("continue_in_data")) {
    info("continue_stream(2)=" + proxy_continue_stream(2).toString() + " continue_stream(3)=" + proxy_continue_stream(3).toString() +
      " continue_stream(4)=" + proxy_continue_stream(4).toString() + " close_stream(9)=" + proxy_close_stream(9).toString());
  }
  const until = param("stop_until:");
  if (until.length > 0 && len < <u32>parseInt(until)) return 1;
  if (has("stop_data")) { heldStream = ctx; return 1; }
  return 0;
}

export function proxy_on_upstream_data(ctx: u32, len: u32, eos: u32): u32 {
  info("cb upstream_data " + ctx.toString() + " " + len.toString() + " " + eos.toString() + " data=" + bufferString(3, 0, len));
  if (has("stop_upstream")) return 1;
  return 0;
}

export function proxy_on_downstream_connection_close(ctx: u32, peer: u32): void {
  info("cb downstream_close " + ctx.toString() + " " + peer.toString());
}
export function proxy_on_upstream_connection_close(ctx: u32, peer: u32): void {
  info("cb upstream_close " + ctx.toString() + " " + peer.toString());
}
export function proxy_on_done(ctx: u32): u32 {
  info("cb done " + ctx.toString());
  return has("defer_done") && ctx == 1 ? 0 : 1;
}
export function proxy_on_log(ctx: u32): void { info("cb log " + ctx.toString()); }
export function proxy_on_delete(ctx: u32): void { info("cb delete " + ctx.toString()); }
