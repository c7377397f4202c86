// The HTTP/gRPC host functions. Envoy links them for every module; in a network filter or a Wasm
// service no header maps or HTTP streams exist, and this host has no HTTP/gRPC async client, so each
// returns what Envoy returns when the thing asked for is not available (see runtime/README.md).
import { LogLevel, Status } from "../contracts.ts";
import { envFn, type AbiHost, type HostFnDef } from "./types.ts";

/** WasmHeaderMapType::MAX (HttpCallResponseTrailers = 7). */
const HEADER_MAP_TYPE_MAX = 7;

/** Every pointer/length pair must be readable, as cpp-host checks before calling the context. */
function readable(h: AbiHost, ...pairs: number[]): boolean {
  for (let i = 0; i < pairs.length; i += 2) if (h.read(pairs[i], pairs[i + 1]) === undefined) return false;
  return true;
}

/** Header maps exist only in HTTP contexts: Envoy's "requested map type is not currently available". */
const noMap = (): number => Status.BadArgument;

export const headerFns: HostFnDef[] = [
  envFn("proxy_get_header_map_value", "iiiii", "i", (h, type: number, kp: number, kl: number) => {
    if (type > HEADER_MAP_TYPE_MAX) return Status.BadArgument;
    return readable(h, kp, kl) ? noMap() : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_add_header_map_value", "iiiii", "i", (h, type: number, kp: number, kl: number, vp: number, vl: number) => {
    if (type > HEADER_MAP_TYPE_MAX) return Status.BadArgument;
    return readable(h, kp, kl, vp, vl) ? noMap() : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_replace_header_map_value", "iiiii", "i", (h, type: number, kp: number, kl: number, vp: number, vl: number) => {
    if (type > HEADER_MAP_TYPE_MAX) return Status.BadArgument;
    return readable(h, kp, kl, vp, vl) ? noMap() : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_remove_header_map_value", "iii", "i", (h, type: number, kp: number, kl: number) => {
    if (type > HEADER_MAP_TYPE_MAX) return Status.BadArgument;
    return readable(h, kp, kl) ? noMap() : Status.InvalidMemoryAccess;
  }),
  // Envoy turns a missing map into no pairs: Ok, written as (0, 0) without calling malloc.
  envFn("proxy_get_header_map_pairs", "iii", "i", (h, type: number, ptrPtr: number, sizePtr: number) => {
    if (type > HEADER_MAP_TYPE_MAX) return Status.BadArgument;
    return h.copyOut(new Uint8Array(0), ptrPtr, sizePtr) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_set_header_map_pairs", "iii", "i", (h, type: number, p: number, l: number) => {
    if (type > HEADER_MAP_TYPE_MAX) return Status.BadArgument;
    return readable(h, p, l) ? noMap() : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_get_header_map_size", "ii", "i", (_h, type: number) => (type > HEADER_MAP_TYPE_MAX ? Status.BadArgument : noMap())),
  // Envoy posts the local reply only when decoder callbacks exist (HTTP); elsewhere it is Ok and nothing happens.
  envFn("proxy_send_local_response", "iiiiiiii", "i", (h, _code: number, dp: number, dl: number, bp: number, bl: number, hp: number, hl: number) =>
    readable(h, dp, dl, bp, bl, hp, hl) ? Status.Ok : Status.InvalidMemoryAccess),
];

function warn(h: AbiHost, line: string): void {
  if (LogLevel.warn >= h.env.wasmLogLevel()) h.env.emitLog(LogLevel.warn, "wasm", line);
}

function unsupported(h: AbiHost, what: string, cluster: string): number {
  warn(h, `wasm ${what} to cluster ${cluster} is not supported by this host`);
  return Status.Unimplemented;
}

/** proxy-wasm pairs: u32 count, count x (u32 key len, u32 value len), then key\0value\0 ... */
function pairKeys(bytes: Uint8Array): Set<string> | undefined {
  if (bytes.length === 0) return new Set();
  if (bytes.length < 4) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = dv.getUint32(0, true);
  let data = 4 + n * 8;
  if (data > bytes.length) return undefined;
  const keys = new Set<string>();
  for (let i = 0; i < n; i++) {
    const kl = dv.getUint32(4 + i * 8, true), vl = dv.getUint32(8 + i * 8, true);
    if (data + kl + 1 + vl + 1 > bytes.length) return undefined;
    keys.add(new TextDecoder().decode(bytes.subarray(data, data + kl)));
    data += kl + 1 + vl + 1;
  }
  return keys;
}

export const calloutFns: HostFnDef[] = [
  // Envoy httpCall: negative timeout, unknown cluster, or no :path/:method/:authority -> BadArgument.
  envFn("proxy_http_call", "iiiiiiiiii", "i", (h, up: number, ul: number, hp: number, hl: number, bp: number, bl: number, tp: number, tl: number, timeoutMs: number) => {
    if (!readable(h, up, ul, hp, hl, bp, bl, tp, tl)) return Status.InvalidMemoryAccess;
    if ((timeoutMs | 0) < 0) return Status.BadArgument;
    const cluster = h.readString(up, ul)!;
    if (!h.clusterNames.has(cluster)) return Status.BadArgument;
    const headers = pairKeys(h.read(hp, hl)!) ?? new Set<string>();
    if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) return Status.BadArgument;
    return unsupported(h, "http_call", cluster);
  }),
  envFn("proxy_grpc_call", "iiiiiiiiiiii", "i", (h, sp: number, sl: number, np: number, nl: number, mp: number, ml: number, ip: number, il: number, rp: number, rl: number) => {
    if (!readable(h, sp, sl, np, nl, mp, ml, ip, il, rp, rl)) return Status.InvalidMemoryAccess;
    return grpcOpen(h, "grpc_call", h.read(sp, sl)!);
  }),
  envFn("proxy_grpc_stream", "iiiiiiiii", "i", (h, sp: number, sl: number, np: number, nl: number, mp: number, ml: number, ip: number, il: number) => {
    if (!readable(h, sp, sl, np, nl, mp, ml, ip, il)) return Status.InvalidMemoryAccess;
    return grpcOpen(h, "grpc_stream", h.read(sp, sl)!);
  }),
  // No call or stream is ever open, so every token is unknown: NotFound as in cpp-host.
  envFn("proxy_grpc_cancel", "i", "i", () => Status.NotFound),
  envFn("proxy_grpc_close", "i", "i", () => Status.NotFound),
  envFn("proxy_grpc_send", "iiii", "i", (h, _t: number, mp: number, ml: number) =>
    readable(h, mp, ml) ? Status.NotFound : Status.InvalidMemoryAccess),
  envFn("envoy_resolve_dns", "iii", "i", (h, ap: number, al: number) => {
    if (!readable(h, ap, al)) return Status.InvalidMemoryAccess;
    warn(h, "wasm envoy_resolve_dns is not supported by this host");
    return Status.Unimplemented;
  }),
];

/**
 * Envoy grpcCall/grpcStream: the service bytes are a GrpcService proto; if they do not parse they
 * are taken as a cluster name, and an unknown one is ParseFailure. A parsed proto without
 * envoy_grpc (or naming an unknown cluster) cannot get a client here: BadArgument.
 */
function grpcOpen(h: AbiHost, what: string, service: Uint8Array): number {
  const parsed = parseGrpcService(service);
  if (parsed === undefined) {
    const cluster = new TextDecoder().decode(service);
    return h.clusterNames.has(cluster) ? unsupported(h, what, cluster) : Status.ParseFailure;
  }
  if (parsed === "" || !h.clusterNames.has(parsed)) return Status.BadArgument;
  return unsupported(h, what, parsed);
}

/**
 * GrpcService.envoy_grpc.cluster_name from binary protobuf (field 1 = envoy_grpc, its field 1 =
 * cluster_name). undefined: not valid wire format; "": valid but no envoy_grpc cluster.
 */
function parseGrpcService(bytes: Uint8Array): string | undefined {
  const fields = (b: Uint8Array): Map<number, Uint8Array> | undefined => {
    const out = new Map<number, Uint8Array>();
    let i = 0;
    const varint = (): number => {
      let v = 0, s = 0;
      while (i < b.length && s < 64) { const c = b[i++]; v += (c & 0x7f) * 2 ** s; s += 7; if (!(c & 0x80)) return v; }
      return -1;
    };
    while (i < b.length) {
      const key = varint();
      if (key < 0) return undefined;
      const wt = key % 8, no = Math.floor(key / 8);
      if (no === 0) return undefined;
      if (wt === 2) {
        const len = varint();
        if (len < 0 || i + len > b.length) return undefined;
        out.set(no, b.subarray(i, i + len));
        i += len;
      } else if (wt === 0) { if (varint() < 0) return undefined; }
      else if (wt === 1) { i += 8; if (i > b.length) return undefined; }
      else if (wt === 5) { i += 4; if (i > b.length) return undefined; }
      else return undefined;
    }
    return out;
  };
  const top = fields(bytes);
  if (!top) return undefined;
  const envoyGrpc = top.get(1);
  if (!envoyGrpc) return "";
  const inner = fields(envoyGrpc);
  const cluster = inner?.get(1);
  return cluster ? new TextDecoder().decode(cluster) : "";
}
