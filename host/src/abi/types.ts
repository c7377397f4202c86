// What every host function sees: the VM it runs in (memory, allocator, per-VM tables) and the
// context it acts for (proxy-wasm's contextOrEffectiveContext()).
import type { PluginSpec, ThreadEnv } from "../contracts.ts";
import type { ValType } from "../runtime/wasm-binary.ts";

/** A live buffer a context exposes to get/set_buffer_bytes (docs §4.2). */
export interface AbiBuffer {
  bytes(): Uint8Array;
  /** set_buffer_bytes semantics; returns a Status. */
  copyFrom(start: number, length: number, data: Uint8Array): number;
}

export type ContextKind = "vm" | "root" | "stream";

/** A proxy-wasm context as host functions see it. Implemented in runtime/context.ts. */
export interface AbiContext {
  readonly id: number;
  readonly kind: ContextKind;
  /** The root context's id (its own id for a root, 0 for the VM context). */
  readonly rootContextId: number;
  readonly plugin: PluginSpec | undefined;
  getBuffer(type: number): AbiBuffer | undefined;
  /** Path parts as split on \0. undefined: NotFound; a number: that status (e.g. SerializationFailure). */
  getProperty(path: string[]): Uint8Array | number | undefined;
  setProperty(path: string, value: Uint8Array): number;
  continueStream(type: number): number;
  closeStream(type: number): number;
  /** " <name> <root_id> <vm_id>" etc. (docs §9). */
  logPrefix(): string;
}

/** The VM side of host functions. Implemented by runtime/vm.ts. */
export interface AbiHost {
  readonly env: ThreadEnv;
  readonly vmId: string;
  readonly abiVersion: string;
  readonly instanceId: number;
  readonly environmentVariables: Record<string, string>;
  /** Cluster names configured in the host; http_call/grpc_call look them up. */
  readonly clusterNames: ReadonlySet<string>;
  current(): AbiContext;
  contextById(id: number): AbiContext | undefined;
  setEffectiveContext(id: number): void;
  // memory; every accessor returns false/undefined when out of bounds (-> InvalidMemoryAccess)
  read(ptr: number, len: number): Uint8Array | undefined;
  readString(ptr: number, len: number): string | undefined;
  writeU32(ptr: number, v: number): boolean;
  writeU64(ptr: number, v: bigint): boolean;
  writeBytes(ptr: number, data: Uint8Array): boolean;
  /** cpp-host copyToPointerSize: malloc + copy, then write the pointer and size (0,0 for empty). */
  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): boolean;
  /** Calls the module's allocator; 0 on failure. */
  alloc(size: number): number;
  log(level: number, message: string): number;
  setTickPeriod(ctx: AbiContext, periodMs: number): number;
  /** Root-context done handshake (proxy_done). */
  done(ctx: AbiContext): number;
  metrics: VmMetrics;
}

export interface VmMetrics {
  define(kind: number, name: string): number | undefined; // id, or undefined -> BadArgument
  lookup(id: number): { stat: number; kind: number } | undefined;
}

export type HostImpl = (h: AbiHost, ...args: any[]) => number | void;

export interface HostFnDef {
  module: string;
  name: string;
  params: ValType[];
  results: ValType[];
  impl: HostImpl;
}

/** "iiI" -> i32,i32,i64; the result is "i" (i32) or "" (void). */
export function sig(params: string, result: string): { params: ValType[]; results: ValType[] } {
  const map = (c: string): ValType => (c === "I" ? "i64" : "i32");
  return { params: [...params].map(map), results: [...result].map(map) };
}

export function envFn(name: string, params: string, result: string, impl: HostImpl): HostFnDef {
  return { module: "env", name, ...sig(params, result), impl };
}
