// A queue owner (a Wasm service) and senders (network filters on workers): cross-thread wake-ups,
// metrics summed over VMs, and a CAS-incremented shared counter.
import { OUT_PTR, OUT_SIZE, OUT_U64, alloc, bufferString, bytesOf, info, outString, proxy_define_metric,
  proxy_increment_metric, proxy_register_shared_queue, proxy_resolve_shared_queue, proxy_enqueue_shared_queue,
  proxy_dequeue_shared_queue, proxy_get_shared_data, proxy_set_shared_data, proxy_set_tick_period_milliseconds } from "./lib/env";

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }

let cfg = "";
let counter: u32 = 0;

export function proxy_on_configure(root: u32, len: u32): u32 {
  cfg = bufferString(7, 0, len);
  const name = bytesOf("conns");
  proxy_define_metric(0, changetype<usize>(name), name.byteLength, OUT_U64);
  counter = load<u32>(OUT_U64);
  if (cfg.includes("owner")) {
    const q = bytesOf("q");
    const st = proxy_register_shared_queue(changetype<usize>(q), q.byteLength, OUT_U64);
    info("registered " + st.toString() + " " + load<u32>(OUT_U64).toString());
  }
  if (cfg.includes("tick")) proxy_set_tick_period_milliseconds(100);
  return 1;
}

export function proxy_on_tick(root: u32): void { info("tick " + root.toString()); }

export function proxy_on_queue_ready(root: u32, token: u32): void {
  const st = proxy_dequeue_shared_queue(token, OUT_PTR, OUT_SIZE);
  info("ready " + root.toString() + " " + token.toString() + " " + st.toString() + " " + (st == 0 ? outString() : ""));
}

/** Shared-data increment with the CAS retry loop (bounded). */
function casIncrement(): string {
  const k = bytesOf("count");
  for (let attempt = 0; attempt < 10; attempt++) {
    const st = proxy_get_shared_data(changetype<usize>(k), k.byteLength, OUT_PTR, OUT_SIZE, OUT_U64);
    let n: u32 = 0;
    let cas: u32 = 0;
    if (st == 0) { n = <u32>parseInt(outString()); cas = load<u32>(OUT_U64); }
    const v = bytesOf((n + 1).toString());
    const set = proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength, cas);
    if (set == 0) return (n + 1).toString();
  }
  return "gave up";
}

export function proxy_on_new_connection(ctx: u32): u32 {
  proxy_increment_metric(counter, 1);
  const count = casIncrement();
  const vm = bytesOf("qvm"), q = bytesOf("q");
  const res = proxy_resolve_shared_queue(changetype<usize>(vm), vm.byteLength, changetype<usize>(q), q.byteLength, OUT_U64);
  let enq: u32 = 99;
  if (res == 0) {
    const msg = bytesOf("conn " + ctx.toString());
    enq = proxy_enqueue_shared_queue(load<u32>(OUT_U64), changetype<usize>(msg), msg.byteLength);
  }
  info("sent " + res.toString() + " " + enq.toString() + " count=" + count);
  return 0;
}
