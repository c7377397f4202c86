// Loading a module the way Envoy's host library does before any VM exists: ABI marker, imports
// against exactly the functions Envoy links for that ABI (with their types), required exports and
// the signatures of the callbacks it will call. Errors carry Envoy's wording.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostFunctions, type AbiVersion } from "../abi/index.ts";
import type { HostFnDef } from "../abi/types.ts";
import { useEnvoyWasmEngine } from "./v8-engine.ts";
import { parseWasmShape, printValTypes, sameTypes, type FuncType, type ValType, type WasmShape } from "./wasm-binary.ts";

/**
 * A module Envoy would refuse. `stage`: which cpp-host step fails (WasmBase::load -> "Failed to load
 * Wasm code", initialize -> "Failed to initialize Wasm code"); `fromWasmBase`: the message is logged
 * through WasmBase::fail ("Wasm VM failed <message>") rather than the VM integration (plain).
 */
export class WasmLoadError extends Error {
  readonly stage: "load" | "initialize";
  readonly fromWasmBase: boolean;
  constructor(message: string, stage: "load" | "initialize", fromWasmBase: boolean) {
    super(message);
    this.name = "WasmLoadError";
    this.stage = stage;
    this.fromWasmBase = fromWasmBase;
  }

  /** The error lines Envoy logs for this failure, in order. */
  logLines(): string[] {
    return [
      this.fromWasmBase ? `Wasm VM failed ${this.message}` : this.message,
      `Wasm VM failed Failed to ${this.stage} Wasm code`,
    ];
  }
}

export interface LoadedModule {
  /** Where it came from (path or a label), for messages. */
  readonly source: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly module: WebAssembly.Module;
  readonly abi: AbiVersion;
  /** "malloc" or "proxy_on_memory_allocate" (malloc wins, as in cpp-host). */
  readonly allocator: string;
  readonly hostFunctions: Map<string, HostFnDef>;
  readonly exportNames: ReadonlySet<string>;
  /** Function names from the name section, for the in-VM backtrace of a trap (empty: no backtrace). */
  readonly functionNames: Map<number, string>;
  /** An imported memory the host must create (cpp-host does the same). */
  readonly memoryImport?: { module: string; name: string; min: number; max?: number };
  /** An imported table, likewise. */
  readonly tableImport?: { module: string; name: string; element: "anyfunc" | "externref"; min: number; max?: number };
}

const ABI_MARKERS: [string, AbiVersion][] = [
  ["proxy_abi_version_0_1_0", "0.1.0"], ["proxy_abi_version_0_2_0", "0.2.0"], ["proxy_abi_version_0_2_1", "0.2.1"],
];

const w = (n: number): ValType[] => Array.from({ length: n }, () => "i32" as ValType);
const word = (n: number): FuncType => ({ params: w(n), results: ["i32"] });
const voidFn = (n: number): FuncType => ({ params: w(n), results: [] });

/** cpp-host WasmBase::getFunctions + Envoy's additions: every export it looks up, with the type it wants. */
function wantedExports(abi: AbiVersion): [string, FuncType][] {
  const list: [string, FuncType][] = [
    ["proxy_validate_configuration", word(2)], ["proxy_on_vm_start", word(2)], ["proxy_on_configure", word(2)],
    ["proxy_on_tick", voidFn(1)], ["proxy_on_context_create", voidFn(2)], ["proxy_on_new_connection", word(1)],
    ["proxy_on_downstream_data", word(3)], ["proxy_on_upstream_data", word(3)],
    ["proxy_on_downstream_connection_close", voidFn(2)], ["proxy_on_upstream_connection_close", voidFn(2)],
    ["proxy_on_request_body", word(3)], ["proxy_on_request_trailers", word(2)], ["proxy_on_request_metadata", word(2)],
    ["proxy_on_response_body", word(3)], ["proxy_on_response_trailers", word(2)], ["proxy_on_response_metadata", word(2)],
    ["proxy_on_http_call_response", voidFn(5)], ["proxy_on_grpc_receive", voidFn(3)], ["proxy_on_grpc_close", voidFn(3)],
    ["proxy_on_grpc_receive_initial_metadata", voidFn(3)], ["proxy_on_grpc_receive_trailing_metadata", voidFn(3)],
    ["proxy_on_queue_ready", voidFn(2)], ["proxy_on_done", word(1)], ["proxy_on_log", voidFn(1)], ["proxy_on_delete", voidFn(1)],
    // Envoy's own callbacks (source/extensions/common/wasm/wasm.cc getFunctions)
    ["envoy_on_resolve_dns", voidFn(4)], ["envoy_on_stats_update", voidFn(2)],
  ];
  if (abi === "0.1.0") list.push(["proxy_on_request_headers", word(2)], ["proxy_on_response_headers", word(2)]);
  else list.push(["proxy_on_request_headers", word(3)], ["proxy_on_response_headers", word(3)], ["proxy_on_foreign_function", voidFn(3)]);
  return list;
}

function findAbi(shape: WasmShape): AbiVersion {
  for (const e of shape.exports) {
    if (e.kind !== "func") continue;
    const hit = ABI_MARKERS.find(([name]) => name === e.name);
    if (hit) return hit[1];
  }
  throw new WasmLoadError("Missing or unknown Proxy-Wasm ABI version", "load", true);
}

function checkImports(shape: WasmShape, host: Map<string, HostFnDef>): void {
  for (const imp of shape.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (imp.kind === "memory" || imp.kind === "table") continue;
    const fn = imp.kind === "func" ? host.get(key) : undefined;
    if (!fn) throw new WasmLoadError(`Failed to load Wasm module due to a missing import: ${key}`, "initialize", false);
    const t = imp.type!;
    if (!sameTypes(t.params, fn.params) || !sameTypes(t.results, fn.results)) {
      throw new WasmLoadError(
        `Failed to load Wasm module due to an import type mismatch: ${key}, want: ${printValTypes(t.params)} -> ` +
        `${printValTypes(t.results)}, but host exports: ${printValTypes(fn.params)} -> ${printValTypes(fn.results)}`,
        "initialize", false);
    }
  }
}

function checkExport(shape: WasmShape, name: string, want: FuncType): boolean {
  const e = shape.exports.find((x) => x.name === name && x.kind === "func");
  if (!e) return false;
  const t = e.type!;
  if (!sameTypes(t.params, want.params) || !sameTypes(t.results, want.results)) {
    throw new WasmLoadError(
      `Bad function signature for: ${name}, want: ${printValTypes(want.params)} -> ${printValTypes(want.results)}, ` +
      `but the module exports: ${printValTypes(t.params)} -> ${printValTypes(t.results)}`, "initialize", false);
  }
  return true;
}

function memoryImport(shape: WasmShape): LoadedModule["memoryImport"] {
  const m = shape.imports.find((i) => i.kind === "memory");
  return m ? { module: m.module, name: m.name, min: m.limits!.min, max: m.limits!.max } : undefined;
}

function tableImport(shape: WasmShape): LoadedModule["tableImport"] {
  const t = shape.imports.find((i) => i.kind === "table");
  if (!t) return undefined;
  return { module: t.module, name: t.name, element: t.element === "externref" ? "externref" : "anyfunc", min: t.limits!.min, max: t.limits!.max };
}

/** Checks and compiles; throws WasmLoadError with Envoy's text on the first problem. */
export function compileWasmModule(bytes: Uint8Array, source: string, precompiled?: WebAssembly.Module): LoadedModule {
  let shape: WasmShape;
  try {
    shape = parseWasmShape(bytes);
  } catch {
    throw new WasmLoadError("Failed to parse corrupted Wasm module", "load", true);
  }
  const abi = findAbi(shape);
  const host = hostFunctions(abi);
  checkImports(shape, host);
  let module: WebAssembly.Module;
  useEnvoyWasmEngine();
  try {
    module = precompiled ?? new WebAssembly.Module(bytes as BufferSource);
  } catch {
    throw new WasmLoadError("Failed to load Wasm bytecode", "load", true);
  }
  const hasMemory = shape.exports.some((e) => e.kind === "memory") || shape.imports.some((i) => i.kind === "memory");
  if (!hasMemory) throw new WasmLoadError("Wasm module is missing memory.", "initialize", false);
  // Same lookup order as getFunctions(): start functions, allocator, then callbacks.
  const hasInit = checkExport(shape, "_initialize", voidFn(0));
  if (hasInit) {
    checkExport(shape, "main", word(2));
    checkExport(shape, "__main_void", word(0));
  } else {
    checkExport(shape, "_start", voidFn(0));
  }
  let allocator = "malloc";
  if (!checkExport(shape, "malloc", word(1))) {
    allocator = "proxy_on_memory_allocate";
    if (!checkExport(shape, "proxy_on_memory_allocate", word(1))) {
      throw new WasmLoadError("Wasm module is missing malloc function.", "initialize", true);
    }
  }
  for (const [name, type] of wantedExports(abi)) checkExport(shape, name, type);
  return {
    source, bytes, module, abi, allocator, hostFunctions: host,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    exportNames: new Set(shape.exports.map((e) => e.name)),
    memoryImport: memoryImport(shape),
    tableImport: tableImport(shape),
    functionNames: shape.functionNames,
  };
}

export function loadWasmModule(path: string, precompiled?: WebAssembly.Module): LoadedModule {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    // Envoy reads the file while loading the config: a missing file rejects it with the path.
    throw new WasmLoadError(`Failed to load Wasm code from ${path}: ${(e as Error).message}`, "load", true);
  }
  return compileWasmModule(bytes, path, precompiled);
}

/** Caches compiled modules by path, so every VM of one code file shares one WebAssembly.Module. */
export class ModuleCache {
  readonly #byPath = new Map<string, LoadedModule>();
  get(path: string): LoadedModule {
    let m = this.#byPath.get(path);
    if (!m) {
      m = loadWasmModule(path);
      this.#byPath.set(path, m);
    }
    return m;
  }
}
