// The HTTP/gRPC host functions. Envoy links them for every module; in a network filter or a Wasm
// service no header maps or HTTP streams exist, and this host has no HTTP/gRPC async client, so each
// returns what Envoy returns when the thing asked for is not available (see runtime/README.md).
import { LogLevel, Status } from "../contracts.ts";
import { envFn, type AbiHost, type HostFnDef } from "./types.ts";

/** WasmHeaderMapType::MAX (HttpCallResponseTrailers). */
const HEADER_MAP_TYPE_MAX = 6;

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
  envFn("proxy_get_header_map_pairs", "iii", "i", (_h, type: number) => (type > HEADER_MAP_TYPE_MAX ? Status.BadArgument : noMap())),
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

function callout(h: AbiHost, what: string, cluster: string): number {
  // Envoy: an unknown cluster is BadArgument. A known one would start an async request, which this host cannot do.
  if (!h.clusterNames.has(cluster)) return Status.BadArgument;
  warn(h, `wasm ${what} to cluster ${cluster} is not supported by this host`);
  return Status.Unimplemented;
}

export const calloutFns: HostFnDef[] = [
  envFn("proxy_http_call", "iiiiiiiiii", "i", (h, up: number, ul: number, hp: number, hl: number, bp: number, bl: number, tp: number, tl: number) => {
    if (!readable(h, up, ul, hp, hl, bp, bl, tp, tl)) return Status.InvalidMemoryAccess;
    return callout(h, "http_call", h.readString(up, ul)!);
  }),
  envFn("proxy_grpc_call", "iiiiiiiiiiii", "i", (h, sp: number, sl: number, np: number, nl: number, mp: number, ml: number, ip: number, il: number, rp: number, rl: number) => {
    if (!readable(h, sp, sl, np, nl, mp, ml, ip, il, rp, rl)) return Status.InvalidMemoryAccess;
    return callout(h, "grpc_call", grpcCluster(h.read(sp, sl)!));
  }),
  envFn("proxy_grpc_stream", "iiiiiiiii", "i", (h, sp: number, sl: number, np: number, nl: number, mp: number, ml: number, ip: number, il: number) => {
    if (!readable(h, sp, sl, np, nl, mp, ml, ip, il)) return Status.InvalidMemoryAccess;
    return callout(h, "grpc_stream", grpcCluster(h.read(sp, sl)!));
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
 * GrpcService.envoy_grpc.cluster_name from its binary protobuf (field 1 = envoy_grpc message,
 * whose field 1 = cluster_name); "" when absent or not parseable.
 */
function grpcCluster(bytes: Uint8Array): string {
  const field = (b: Uint8Array, want: number): Uint8Array | undefined => {
    let i = 0;
    const varint = (): number => {
      let v = 0, s = 0;
      while (i < b.length) { const c = b[i++]; v += (c & 0x7f) * 2 ** s; s += 7; if (!(c & 0x80)) return v; }
      return -1;
    };
    while (i < b.length) {
      const key = varint();
      if (key < 0) return undefined;
      const wt = key & 7, no = Math.floor(key / 8);
      if (wt === 2) { const len = varint(); if (len < 0 || i + len > b.length) return undefined; if (no === want) return b.subarray(i, i + len); i += len; }
      else if (wt === 0) { if (varint() < 0) return undefined; }
      else if (wt === 1) i += 8;
      else if (wt === 5) i += 4;
      else return undefined;
    }
    return undefined;
  };
  const envoyGrpc = field(bytes, 1);
  const cluster = envoyGrpc && field(envoyGrpc, 1);
  return cluster ? new TextDecoder().decode(cluster) : "";
}
