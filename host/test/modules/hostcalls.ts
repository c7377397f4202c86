// Host-function conformance module: on_configure runs the groups named in the plugin configuration
// and logs "<call>=<status>" facts the tests compare with Envoy's answers.
import { OUT_PTR, OUT_SIZE, OUT_U64, alloc, bufferString, bytesOf, info, log, outString,
  proxy_define_metric, proxy_increment_metric, proxy_record_metric, proxy_get_metric,
  proxy_get_shared_data, proxy_set_shared_data, proxy_register_shared_queue, proxy_resolve_shared_queue,
  proxy_enqueue_shared_queue, proxy_dequeue_shared_queue, proxy_log, proxy_get_log_level,
  proxy_get_current_time_nanoseconds, proxy_get_header_map_value, proxy_http_call, proxy_grpc_cancel,
  proxy_call_foreign_function, proxy_send_local_response, proxy_done, proxy_set_effective_context,
  proxy_get_buffer_status, proxy_continue_stream, proxy_close_stream, proxy_set_property,
  proxy_get_header_map_pairs, proxy_grpc_call, proxy_get_buffer_bytes, proxy_set_buffer_bytes,
  fd_write, clock_time_get, proc_exit, environ_sizes_get, environ_get, random_get, args_sizes_get, fd_fdstat_get,
  path_open, fd_read, sched_yield, poll_oneoff, fd_prestat_get, clock_res_get, proxy_get_status, proxy_get_property } from "./lib/env";

// Envoy links these into every module besides the proxy_* set (cpp-host / Envoy's own extras).
@external("env", "pthread_equal") declare function pthread_equal(a: u32, b: u32): u32;
@external("env", "emscripten_notify_memory_growth") declare function emscripten_notify_memory_growth(i: u32): void;
@external("env", "envoy_resolve_dns") declare function envoy_resolve_dns(p: usize, l: usize, tokp: usize): u32;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }

const BAD: usize = 0xfffffff0;

function p(b: ArrayBuffer): usize { return changetype<usize>(b); }

function getShared(key: string): string {
  const k = bytesOf(key);
  const st = proxy_get_shared_data(p(k), k.byteLength, OUT_PTR, OUT_SIZE, OUT_U64);
  if (st != 0) return "st" + st.toString();
  return outString() + "@" + load<u32>(OUT_U64).toString();
}
function setShared(key: string, value: string, cas: u32): u32 {
  const k = bytesOf(key), v = bytesOf(value);
  return proxy_set_shared_data(p(k), k.byteLength, p(v), v.byteLength, cas);
}

function sharedData(): void {
  const missing = getShared("k");
  const set0 = setShared("k", "v1", 0);
  const got = getShared("k");
  const cas = load<u32>(OUT_U64);
  const mismatch = setShared("k", "v2", cas + 1000);
  const match = setShared("k", "v3", cas);
  const after = getShared("k");
  const absentWithCas = setShared("absent", "x", 12345);
  const k = bytesOf("k");
  const oob = proxy_get_shared_data(BAD, 64, OUT_PTR, OUT_SIZE, OUT_U64);
  const oobOut = proxy_get_shared_data(p(k), k.byteLength, BAD, OUT_SIZE, OUT_U64);
  info("shared missing=" + missing + " set0=" + set0.toString() + " got=" + got + " mismatch=" + mismatch.toString() +
    " match=" + match.toString() + " after=" + after + " absentWithCas=" + absentWithCas.toString() + " absent=" + getShared("absent") +
    " oob=" + oob.toString() + " oobOut=" + oobOut.toString());
}

function queues(): void {
  const name = bytesOf("q1"), empty = bytesOf(""), other = bytesOf("othervm");
  const before = proxy_resolve_shared_queue(p(empty), 0, p(name), name.byteLength, OUT_U64);
  const reg = proxy_register_shared_queue(p(name), name.byteLength, OUT_U64);
  const token = load<u32>(OUT_U64);
  const reg2 = proxy_register_shared_queue(p(name), name.byteLength, OUT_U64);
  const token2 = load<u32>(OUT_U64);
  const res = proxy_resolve_shared_queue(p(empty), 0, p(name), name.byteLength, OUT_U64);
  const resolved = load<u32>(OUT_U64);
  const resOther = proxy_resolve_shared_queue(p(other), other.byteLength, p(name), name.byteLength, OUT_U64);
  const item = bytesOf("item1");
  const enq = proxy_enqueue_shared_queue(token, p(item), item.byteLength);
  const enqBad = proxy_enqueue_shared_queue(token + 100, p(item), item.byteLength);
  const deq = proxy_dequeue_shared_queue(token, OUT_PTR, OUT_SIZE);
  const data = outString();
  const deqEmpty = proxy_dequeue_shared_queue(token, OUT_PTR, OUT_SIZE);
  const deqBad = proxy_dequeue_shared_queue(token + 100, OUT_PTR, OUT_SIZE);
  info("queue before=" + before.toString() + " reg=" + reg.toString() + " same=" + (token == token2 ? "yes" : "no") +
    " reg2=" + reg2.toString() + " res=" + res.toString() + " resolvedSame=" + (resolved == token ? "yes" : "no") +
    " resOther=" + resOther.toString() + " enq=" + enq.toString() + " enqBad=" + enqBad.toString() + " deq=" + deq.toString() +
    ":" + data + " deqEmpty=" + deqEmpty.toString() + " deqBad=" + deqBad.toString());
}

function define(kind: u32, name: string): string {
  const n = bytesOf(name);
  const st = proxy_define_metric(kind, p(n), n.byteLength, OUT_U64);
  return st != 0 ? "st" + st.toString() : load<u32>(OUT_U64).toString();
}
function getMetric(id: u32): string {
  const st = proxy_get_metric(id, OUT_U64);
  return st != 0 ? "st" + st.toString() : load<u64>(OUT_U64).toString();
}

function metrics(): void {
  const c = define(0, "hc_counter"), g = define(1, "hc_gauge"), h = define(2, "hc_hist"), c2 = define(0, "hc_counter");
  const bad = define(3, "hc_bad");
  const cid = <u32>parseInt(c), gid = <u32>parseInt(g), hid = <u32>parseInt(h);
  const inc0 = proxy_increment_metric(cid, 0), incNeg = proxy_increment_metric(cid, -1), inc5 = proxy_increment_metric(cid, 5);
  const rec3 = proxy_record_metric(cid, 3);
  const counter = getMetric(cid);
  const viaSecondId = getMetric(<u32>parseInt(c2));
  const gset = proxy_record_metric(gid, 10), ginc = proxy_increment_metric(gid, -4);
  const gauge = getMetric(gid);
  const hrec = proxy_record_metric(hid, 7), hinc = proxy_increment_metric(hid, 1);
  const hget = getMetric(hid);
  const unknown = getMetric(999), unknownInc = proxy_increment_metric(999, 1), unknownRec = proxy_record_metric(999, 1);
  const unknownCounter = getMetric(1000), unknownCounterInc = proxy_increment_metric(1000, 1);
  info("metrics ids=" + c + "," + g + "," + h + "," + c2 + " bad=" + bad + " inc0=" + inc0.toString() + " incNeg=" + incNeg.toString() +
    " inc5=" + inc5.toString() + " rec3=" + rec3.toString() + " counter=" + counter + " viaSecondId=" + viaSecondId +
    " gset=" + gset.toString() + " ginc=" + ginc.toString() + " gauge=" + gauge + " hrec=" + hrec.toString() + " hinc=" + hinc.toString() +
    " hget=" + hget + " unknown=" + unknown + " unknownInc=" + unknownInc.toString() + " unknownRec=" + unknownRec.toString() +
    " unknownCounter=" + unknownCounter + " unknownCounterInc=" + unknownCounterInc.toString());
}

/** Three header pairs in proxy-wasm's pairs encoding. */
function pairs3(k1: string, v1: string, k2: string, v2: string, k3: string, v3: string): ArrayBuffer {
  const parts = [k1, v1, k2, v2, k3, v3];
  let size = 4 + 3 * 8;
  for (let i = 0; i < 6; i++) size += String.UTF8.byteLength(parts[i]) + 1;
  const buf = new ArrayBuffer(size);
  const base = changetype<usize>(buf);
  store<u32>(base, 3);
  let data = base + 4 + 3 * 8;
  for (let i = 0; i < 3; i++) {
    const k = bytesOf(parts[2 * i]), v = bytesOf(parts[2 * i + 1]);
    store<u32>(base + 4 + i * 8, k.byteLength);
    store<u32>(base + 8 + i * 8, v.byteLength);
    memory.copy(data, changetype<usize>(k), k.byteLength); data += k.byteLength; store<u8>(data, 0); data++;
    memory.copy(data, changetype<usize>(v), v.byteLength); data += v.byteLength; store<u8>(data, 0); data++;
  }
  return buf;
}

function misc(): void {
  const m = bytesOf("x");
  const lvlBad = proxy_log(6, p(m), 1);
  const logOob = proxy_log(2, BAD, 64);
  const lvl = proxy_get_log_level(OUT_U64);
  const level = load<u32>(OUT_U64);
  const t = proxy_get_current_time_nanoseconds(OUT_U64);
  const now = load<u64>(OUT_U64);
  const tOob = proxy_get_current_time_nanoseconds(BAD);
  const key = bytesOf("host");
  const hdr = proxy_get_header_map_value(0, p(key), key.byteLength, OUT_PTR, OUT_SIZE);
  const hdrType = proxy_get_header_map_value(8, p(key), key.byteLength, OUT_PTR, OUT_SIZE);
  store<u32>(OUT_PTR, 77); store<u32>(OUT_SIZE, 77);
  const hdrPairs = proxy_get_header_map_pairs(0, OUT_PTR, OUT_SIZE);
  const pairsOut = load<u32>(OUT_PTR).toString() + "/" + load<u32>(OUT_SIZE).toString();
  const uri = bytesOf("no_such_cluster");
  const http = proxy_http_call(p(uri), uri.byteLength, 0, 0, 0, 0, 0, 0, 1000, OUT_U64);
  const known = bytesOf("upstream");
  const httpNoHeaders = proxy_http_call(p(known), known.byteLength, 0, 0, 0, 0, 0, 0, 1000, OUT_U64);
  const hdrs = pairs3(":path", "/", ":method", "GET", ":authority", "x");
  const httpKnown = proxy_http_call(p(known), known.byteLength, p(hdrs), hdrs.byteLength, 0, 0, 0, 0, 1000, OUT_U64);
  const httpNegTimeout = proxy_http_call(p(known), known.byteLength, p(hdrs), hdrs.byteLength, 0, 0, 0, 0, 0xffffffff, OUT_U64);
  const nosuch = bytesOf("nosuch"), svc = bytesOf("svc"), meth = bytesOf("m");
  const grpcKnown = proxy_grpc_call(p(known), known.byteLength, p(svc), 3, p(meth), 1, 0, 0, 0, 0, 1000, OUT_U64);
  const grpcUnknown = proxy_grpc_call(p(nosuch), nosuch.byteLength, p(svc), 3, p(meth), 1, 0, 0, 0, 0, 1000, OUT_U64);
  const grpcEmpty = proxy_grpc_call(0, 0, p(svc), 3, p(meth), 1, 0, 0, 0, 0, 1000, OUT_U64);
  const grpc = proxy_grpc_cancel(1);
  const fname = bytesOf("nope"), args = bytesOf("aaaaaaaaaaaaaaaaaaaa");
  const foreign = proxy_call_foreign_function(p(fname), fname.byteLength, p(args), args.byteLength, OUT_PTR, OUT_SIZE);
  const cname = bytesOf("compress"), uname = bytesOf("uncompress");
  const comp = proxy_call_foreign_function(p(cname), cname.byteLength, p(args), args.byteLength, OUT_PTR, OUT_SIZE);
  const cp = load<u32>(OUT_PTR), cs = load<u32>(OUT_SIZE);
  const uncomp = proxy_call_foreign_function(p(uname), uname.byteLength, <usize>cp, cs, OUT_PTR, OUT_SIZE);
  const round = outString();
  const local = proxy_send_local_response(403, 0, 0, 0, 0, 0, 0, -1);
  const done = proxy_done();
  const eff = proxy_set_effective_context(999);
  const bufStatus = proxy_get_buffer_status(2, OUT_PTR, OUT_SIZE);
  const bufLen = load<u32>(OUT_PTR);
  const bufSet = proxy_set_buffer_bytes(2, 0, 0, p(key), key.byteLength);
  const httpBody = proxy_get_buffer_bytes(4, 0, 10, OUT_PTR, OUT_SIZE);
  const vmcfgStatus = proxy_get_buffer_status(6, OUT_PTR, OUT_SIZE);
  const vmcfgLen = load<u32>(OUT_PTR);
  const cont = proxy_continue_stream(2), contUp = proxy_continue_stream(3), close = proxy_close_stream(2);
  const setProp = proxy_set_property(p(key), key.byteLength, p(key), key.byteLength);
  emscripten_notify_memory_growth(0);
  const dnsName = bytesOf("localhost");
  const extras = pthread_equal(3, 3).toString() + "/" + pthread_equal(3, 4).toString() + "/" +
    envoy_resolve_dns(p(dnsName), dnsName.byteLength, OUT_U64).toString() + "/" + envoy_resolve_dns(BAD, 64, OUT_U64).toString();
  info("misc envoyExtras=" + extras + " logBad=" + lvlBad.toString() + " logOob=" + logOob.toString() + " getLevel=" + lvl.toString() + ":" + level.toString() +
    " time=" + t.toString() + ":" + now.toString() + " timeOob=" + tOob.toString() + " hdr=" + hdr.toString() + " hdrType=" + hdrType.toString() +
    " hdrPairs=" + hdrPairs.toString() + ":" + pairsOut +
    " http=" + http.toString() + " httpNoHeaders=" + httpNoHeaders.toString() + " httpKnown=" + httpKnown.toString() +
    " httpNegTimeout=" + httpNegTimeout.toString() + " grpcKnown=" + grpcKnown.toString() + " grpcUnknown=" + grpcUnknown.toString() +
    " grpcEmpty=" + grpcEmpty.toString() + " grpcCancel=" + grpc.toString() + " foreign=" + foreign.toString() +
    " compress=" + comp.toString() + " uncompress=" + uncomp.toString() + ":" + round + " localResponse=" + local.toString() +
    " done=" + done.toString() + " effective=" + eff.toString() + " downstreamBuf=" + bufStatus.toString() + ":" + bufLen.toString() + " downstreamSet=" + bufSet.toString() +
    " httpCallBody=" + httpBody.toString() +
    " vmcfg=" + vmcfgStatus.toString() + ":" + vmcfgLen.toString() + " rootContinue=" + cont.toString() + " rootContinueUp=" + contUp.toString() +
    " rootClose=" + close.toString() + " rootSetProp=" + setProp.toString());
}

function writeFd(fd: u32, s: string): u32 {
  const b = bytesOf(s);
  const iov = memory.data(8);
  store<u32>(iov, <u32>p(b));
  store<u32>(iov + 4, b.byteLength);
  return fd_write(fd, iov, 1, OUT_U64);
}

function wasi(): void {
  const out = writeFd(1, "to stdout\n");
  const written = load<u32>(OUT_U64);
  const err = writeFd(2, "to stderr");
  const bad = writeFd(3, "nowhere");
  const c0 = clock_time_get(0, 0, OUT_U64);
  const wall = load<u64>(OUT_U64);
  const c1 = clock_time_get(1, 0, OUT_U64);
  const mono = load<u64>(OUT_U64);
  const c9 = clock_time_get(9, 0, OUT_U64);
  const es = environ_sizes_get(OUT_PTR, OUT_SIZE);
  const count = load<u32>(OUT_PTR), size = load<u32>(OUT_SIZE);
  const arr = heap.alloc(count * 4), buf = heap.alloc(size);
  const eg = environ_get(arr, buf);
  const first = count > 0 ? String.UTF8.decodeUnsafe(<usize>load<u32>(arr), size - 1, false) : "";
  proc_exit(3);
  info("wasi out=" + out.toString() + ":" + written.toString() + " err=" + err.toString() + " bad=" + bad.toString() +
    " clock0=" + c0.toString() + ":" + wall.toString() + " clock1=" + c1.toString() + ":" + mono.toString() + " clock9=" + c9.toString() +
    " environ=" + es.toString() + ":" + count.toString() + ":" + eg.toString() + ":" + first + " after_proc_exit=yes");
}

function wasiStubs(): void {
  const buf = heap.alloc(65 * 1024);
  memory.fill(buf, 0, 16);
  const rnd = random_get(buf, 16);
  let nonzero = 0;
  for (let i: usize = 0; i < 16; i++) if (load<u8>(buf + i) != 0) nonzero++;
  const rndBig = random_get(buf, 65 * 1024);
  const args = args_sizes_get(OUT_PTR, OUT_SIZE);
  const argc = load<u32>(OUT_PTR);
  const st1 = fd_fdstat_get(1, buf);
  const rights = load<u64>(buf + 8);
  const st5 = fd_fdstat_get(5, buf);
  const open = path_open(3, 0, 0, 0, 0, 0, 0, 0, OUT_U64);
  const read = fd_read(0, 0, 0, OUT_U64);
  const yld = sched_yield();
  const poll = poll_oneoff(0, 0, 0, OUT_U64);
  const prestat = fd_prestat_get(3, buf);
  const res0 = clock_res_get(0, OUT_U64);
  const res0v = load<u64>(OUT_U64);
  const res7 = clock_res_get(7, OUT_U64);
  info("wasistubs random=" + rnd.toString() + ":" + (nonzero > 8 ? "filled" : "empty") + " randomBig=" + rndBig.toString() +
    " args=" + args.toString() + ":" + argc.toString() + " fdstat1=" + st1.toString() + ":" + rights.toString() +
    " fdstat5=" + st5.toString() + " path_open=" + open.toString() + " fd_read=" + read.toString() + " sched_yield=" + yld.toString() +
    " poll_oneoff=" + poll.toString() + " prestat=" + prestat.toString() + " res0=" + res0.toString() + ":" + res0v.toString() +
    " res7=" + res7.toString());
}

function rootProps(): void {
  const st = proxy_get_status(OUT_U64, OUT_PTR, OUT_SIZE);
  const code = load<u32>(OUT_U64), msgLen = load<u32>(OUT_SIZE);
  const names = ["plugin_name", "plugin_root_id", "plugin_vm_id", "source\0address", "connection_id", "nope"];
  let out = "rootprops status=" + st.toString() + ":" + code.toString() + ":" + msgLen.toString();
  for (let i = 0; i < names.length; i++) {
    const n = bytesOf(names[i]);
    const r = proxy_get_property(p(n), n.byteLength, OUT_PTR, OUT_SIZE);
    out += " " + names[i].replace("\0", ".") + "=" + (r == 0 ? outString() : "st" + r.toString());
  }
  const eff = proxy_set_effective_context(1);
  info(out + " setEffective(1)=" + eff.toString());
}

export function proxy_on_configure(root: u32, len: u32): u32 {
  const cfg = bufferString(7, 0, len);
  if (cfg.includes("shared")) sharedData();
  if (cfg.includes("queues")) queues();
  if (cfg.includes("metrics")) metrics();
  if (cfg.includes("misc")) misc();
  if (cfg.includes("wasi ") || cfg.endsWith("wasi")) wasi();
  if (cfg.includes("wasistubs")) wasiStubs();
  if (cfg.includes("rootprops")) rootProps();
  if (cfg.includes("levels")) { log(0, "at trace"); log(1, "at debug"); log(3, "at warn"); log(5, "at critical"); }
  return 1;
}
