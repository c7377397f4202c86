// One instance of a module on one thread (a "Wasm VM" in Envoy's words): instantiation, start-up
// under the allowlist, root and stream contexts, calls into the module with trap handling, timers,
// queue wake-ups, and the memory/allocator side of every host function.
import { LogLevel, MetricKind, Status, type PluginSpec, type ThreadEnv } from "../contracts.ts";
import { INIT_ALLOWED, MALLOC_ALLOWED } from "../abi/index.ts";
import type { AbiContext, AbiHost, VmMetrics } from "../abi/types.ts";
import { Context, type StreamHooks } from "./context.ts";
import { StreamTable } from "./stream-table.ts";
import type { LoadedModule } from "./wasm-module.ts";

export interface VmOptions {
  module: LoadedModule;
  env: ThreadEnv;
  vmId: string;
  vmConfiguration: Uint8Array;
  environmentVariables?: Record<string, string>;
  clusterNames?: ReadonlySet<string>;
}

/** The outcome of a root context's start-up; `stage` is where it stopped (or "configure" when ok). */
export interface RootStart { root: Context; ok: boolean; stage: "start" | "configure"; reason: string }

/** Thrown by a host function to trap the calling module (cpp-host's trap()). */
export class HostTrap extends Error {}

let nextInstanceSeq = 1;
type WasmFn = (...args: unknown[]) => unknown;

/** An exported function, looked up once (Vm.exported) and then called without a name lookup. */
export interface WasmExport { readonly name: string; readonly fn: WasmFn; readonly arity: number }
const DECODER = new TextDecoder();

/** Envoy's metric id scheme: low two bits are the kind, ids step by 4 (docs §7). */
const METRIC_ID_STEP = 4;

export class Vm implements AbiHost {
  readonly env: ThreadEnv;
  readonly vmId: string;
  readonly vmConfiguration: Uint8Array;
  readonly abiVersion: string;
  readonly instanceId: number;
  readonly environmentVariables: Record<string, string>;
  readonly clusterNames: ReadonlySet<string>;
  readonly module: LoadedModule;
  readonly metrics: VmMetrics;
  failed = false;
  failMessage = "";

  #exports: Record<string, any> = {};
  /** The exported functions by name with their arity, looked up once: call() and has() run per callback. */
  #fns = new Map<string, WasmExport>();
  #memory: WebAssembly.Memory | undefined;
  #allowed: ReadonlySet<string> | null = null;
  /** The VM context (id 0) and the roots; the stream contexts, one per connection, are in #streams. */
  #contexts = new Map<number, Context>();
  #streams = new StreamTable();
  #nextContextId = 1;
  /** The context of the innermost call into the module running now (undefined: none; the VM context then). */
  #current: Context | undefined = undefined;
  #effectiveId = 0;
  #depth = 0;
  #afterCall: (() => void)[] = [];
  readonly vmContext: Context;
  /** Indexed by metric id. */
  #metricIds: ({ stat: number; kind: number } | undefined)[] = [];
  #nextMetricId = [MetricKind.Counter + METRIC_ID_STEP, MetricKind.Gauge + METRIC_ID_STEP, MetricKind.Histogram + METRIC_ID_STEP];
  #destroyed = false;

  /** Instantiates and runs _initialize/main or _start. A trap leaves the VM failed; it never throws for that. */
  static create(opts: VmOptions): Vm {
    const vm = new Vm(opts);
    vm.#instantiateAndStart();
    return vm;
  }

  private constructor(opts: VmOptions) {
    this.env = opts.env;
    this.module = opts.module;
    this.vmId = opts.vmId;
    this.vmConfiguration = opts.vmConfiguration;
    this.abiVersion = opts.module.abi;
    this.environmentVariables = opts.environmentVariables ?? {};
    this.clusterNames = opts.clusterNames ?? new Set();
    this.instanceId = opts.env.threadId * 1_000_000 + nextInstanceSeq++;
    this.vmContext = new Context(this, 0, "vm");
    this.#contexts.set(0, this.vmContext);
    this.metrics = {
      define: (kind, name) => this.#defineMetric(kind, name),
      // Ids are small integers (kind + 4n): an array index instead of a Map lookup per metric update.
      lookup: (id) => (id >= 0 && id < this.#metricIds.length ? this.#metricIds[id] : undefined),
    };
  }

  #instantiateAndStart(): void {
    const imports: Record<string, Record<string, any>> = {};
    for (const imp of WebAssembly.Module.imports(this.module.module)) {
      (imports[imp.module] ??= {});
      if (imp.kind === "memory") {
        const m = this.module.memoryImport!;
        this.#memory = new WebAssembly.Memory({ initial: m.min, maximum: m.max });
        imports[imp.module][imp.name] = this.#memory;
      } else if (imp.kind === "table") {
        const t = this.module.tableImport!;
        imports[imp.module][imp.name] = new WebAssembly.Table({ element: t.element, initial: t.min, maximum: t.max });
      } else if (imp.kind === "function") {
        imports[imp.module][imp.name] = this.#hostFunction(`${imp.module}.${imp.name}`);
      }
    }
    this.#allowed = INIT_ALLOWED; // a start section runs during instantiation
    try {
      const instance = new WebAssembly.Instance(this.module.module, imports);
      this.#exports = instance.exports as Record<string, any>;
      for (const [name, v] of Object.entries(this.#exports)) if (typeof v === "function") this.#fns.set(name, { name, fn: v as WasmFn, arity: (v as WasmFn).length });
      if (!this.#memory) this.#memory = Object.values(this.#exports).find((v) => v instanceof WebAssembly.Memory);
    } catch (e) {
      this.#allowed = null;
      this.fail(`Failed to create new Wasm instance: ${trapText(e)}`);
      return;
    }
    // cpp-host startVm: a reactor gets _initialize then main(0, 0) or __main_void(); a command gets
    // _start. All of it runs under the start-up allowlist.
    const calls: { name: string; args: number[] }[] = [];
    if (this.has("_initialize")) {
      calls.push({ name: "_initialize", args: [] });
      if (this.has("main")) calls.push({ name: "main", args: [0, 0] });
      else if (this.has("__main_void")) calls.push({ name: "__main_void", args: [] });
    } else if (this.has("_start")) {
      calls.push({ name: "_start", args: [] });
    }
    this.#allowed = INIT_ALLOWED;
    try {
      for (const { name, args } of calls) {
        this.call(name, this.vmContext, ...args);
        if (this.failed) return;
      }
    } finally {
      this.#allowed = null;
    }
  }

  /**
   * The import a module calls. Host functions run several times per connection, so the common
   * arities get a closure with fixed parameters (no rest array, no spread); tracing and the start-up
   * allowlist take the general path, checked with one level read per call.
   */
  #hostFunction(key: string): (...args: any[]) => any {
    const def = this.module.hostFunctions.get(key);
    if (!def) throw new Error(`internal: import ${key} passed the load check but has no host function`);
    const impl = def.impl;
    const i32 = def.params.map((t) => t === "i32");
    // i32 arguments arrive signed; host functions take pointers and sizes unsigned.
    const u = (v: any, isI32: boolean) => (isI32 ? v >>> 0 : v);
    const [t0, t1, t2, t3, t4] = i32;
    const slow = (args: any[]) => this.#hostCallSlow(key, impl, args);
    switch (i32.length) {
      case 0: return () => (this.#plainHostCall() ? impl(this) : slow([]));
      case 1: return (a: any) => {
        a = u(a, t0);
        return this.#plainHostCall() ? impl(this, a) : slow([a]);
      };
      case 2: return (a: any, b: any) => {
        a = u(a, t0); b = u(b, t1);
        return this.#plainHostCall() ? impl(this, a, b) : slow([a, b]);
      };
      case 3: return (a: any, b: any, c: any) => {
        a = u(a, t0); b = u(b, t1); c = u(c, t2);
        return this.#plainHostCall() ? impl(this, a, b, c) : slow([a, b, c]);
      };
      case 4: return (a: any, b: any, c: any, d: any) => {
        a = u(a, t0); b = u(b, t1); c = u(c, t2); d = u(d, t3);
        return this.#plainHostCall() ? impl(this, a, b, c, d) : slow([a, b, c, d]);
      };
      case 5: return (a: any, b: any, c: any, d: any, e: any) => {
        a = u(a, t0); b = u(b, t1); c = u(c, t2); d = u(d, t3); e = u(e, t4);
        return this.#plainHostCall() ? impl(this, a, b, c, d, e) : slow([a, b, c, d, e]);
      };
      default: return (...args: any[]) => {
        for (let i = 0; i < args.length; i++) if (i32[i]) args[i] = args[i] >>> 0;
        return slow(args);
      };
    }
  }

  /** No allowlist in force and wasm:trace off: the host function runs with nothing around it. */
  #plainHostCall(): boolean {
    return this.#allowed === null && this.env.wasmLogLevel() !== LogLevel.trace;
  }

  #hostCallSlow(key: string, impl: (h: Vm, ...args: any[]) => any, args: any[]): any {
    // cpp-host logs every host call at wasm:trace, before the allowlist check.
    const trace = this.env.wasmLogLevel() === LogLevel.trace;
    if (trace) this.#trace(`[vm->host] ${key}(${printArgs(args)})`);
    if (this.#allowed && !this.#allowed.has(key)) throw new HostTrap("restricted_callback");
    const r = impl(this, ...args);
    if (trace) this.#trace(`[vm<-host] ${key} return: ${r === undefined ? "void" : r >>> 0}`);
    return r;
  }

  has(name: string): boolean {
    return this.#fns.has(name);
  }

  /** The export `name`, for callers that call it per connection (no lookup by name per call). */
  exported(name: string): WasmExport | undefined {
    return this.#fns.get(name);
  }

  /**
   * Calls an export for a context. Returns the i32 result (0 for void), or undefined when the export
   * is missing, the VM has failed, or the call trapped (then the VM is failed).
   */
  call(name: string, ctx: Context, a?: number, b?: number, c?: number, d?: number, e?: number): number | undefined {
    return this.invoke(this.#fns.get(name), ctx, a, b, c, d, e);
  }

  /** call() with the export already looked up (`exported`); undefined `exp`: not exported. */
  // Fixed parameters rather than ...args: this runs for every callback of every connection. Every
  // proxy_on_* export takes at most 5 arguments; the export is called with exactly its own arity.
  invoke(exp: WasmExport | undefined, ctx: Context, a?: number, b?: number, c?: number, d?: number, e?: number): number | undefined {
    if (this.failed || this.#destroyed || exp === undefined) return undefined;
    const fn = exp.fn;
    const name = exp.name;
    const savedEffective = this.#effectiveId;
    const savedCurrent = this.#current;
    this.#effectiveId = 0;
    this.#current = ctx;
    this.#depth++;
    try {
      const trace = this.env.wasmLogLevel() === LogLevel.trace;
      if (trace) this.#trace(`[host->vm] ${name}(${printArgs(passedArgs(a, b, c, d, e))})`);
      let r: unknown;
      switch (exp.arity) {
        case 0: r = fn(); break;
        case 1: r = fn(a); break;
        case 2: r = fn(a, b); break;
        case 3: r = fn(a, b, c); break;
        case 4: r = fn(a, b, c, d); break;
        default: r = fn(a, b, c, d, e); break;
      }
      if (trace) this.#trace(`[host<-vm] ${name} return: ${typeof r === "number" ? r >>> 0 : "void"}`);
      return typeof r === "number" ? r >>> 0 : 0;
    } catch (e) {
      this.fail(`Function: ${name} failed: ${trapText(e)}${backtrace(e, this.module.functionNames)}`);
      return undefined;
    } finally {
      this.#current = savedCurrent;
      this.#effectiveId = savedEffective;
      this.#depth--;
      if (this.#depth === 0) this.#runAfterCall();
    }
  }

  /** Runs fn once the outermost call into the module has returned (Envoy's addAfterVmCallAction). */
  afterCall(fn: () => void): void {
    if (this.#depth === 0) fn();
    else this.#afterCall.push(fn);
  }

  #runAfterCall(): void {
    while (this.#afterCall.length > 0) this.#afterCall.shift()!();
  }

  #trace(line: string): void {
    this.env.emitLog(LogLevel.trace, "wasm", line);
  }

  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.failMessage = message;
    if (LogLevel.error >= this.env.wasmLogLevel()) this.env.emitLog(LogLevel.error, "wasm", message);
    for (const ctx of this.#contexts.values()) this.#stopTimer(ctx);
  }

  // ---------------------------------------------------------------------------------------------
  // contexts

  /** create(r,0) -> vm_start(r, vm_cfg_len) -> configure(r, plugin_cfg_len). */
  startRoot(plugin: PluginSpec): RootStart {
    const root = new Context(this, this.#nextContextId++, "root", plugin);
    this.#contexts.set(root.id, root);
    // cpp-host ContextBase::onStart/onConfigure: the plugin configuration is readable during the
    // root's on_context_create and on_configure, not during on_vm_start.
    const withPluginConfig = <T>(fn: () => T): T => {
      root.pluginConfigVisible = true;
      try { return fn(); } finally { root.pluginConfigVisible = false; }
    };
    withPluginConfig(() => this.call("proxy_on_context_create", root, root.id, 0));
    if (this.failed) return { root, ok: false, stage: "start", reason: this.failMessage };
    const started = this.has("proxy_on_vm_start") ? this.call("proxy_on_vm_start", root, root.id, this.vmConfiguration.length) : 1;
    if (this.failed) return { root, ok: false, stage: "start", reason: this.failMessage };
    if (started === 0) return { root, ok: false, stage: "start", reason: "proxy_on_vm_start returned false" };
    const configured = this.has("proxy_on_configure")
      ? withPluginConfig(() => this.call("proxy_on_configure", root, root.id, plugin.pluginConfiguration.length)) : 1;
    if (this.failed) return { root, ok: false, stage: "configure", reason: this.failMessage };
    if (configured === 0) return { root, ok: false, stage: "configure", reason: "proxy_on_configure returned false" };
    return { root, ok: true, stage: "configure", reason: "" };
  }

  /**
   * A stream context under a root; calls proxy_on_context_create(id, root), as the caller looked it
   * up (exported). `reuse`: a stream context of this root that this VM has forgotten, given the new
   * id instead of allocating another (ids are still never reused).
   */
  createStream(root: Context, hooks: StreamHooks, contextCreate: WasmExport | undefined, reuse?: Context): Context {
    const id = this.#nextContextId++;
    let ctx: Context;
    // `deleted`: forget() ran, so the VM no longer knows its old id.
    if (reuse !== undefined && reuse.deleted && reuse.root === root) {
      ctx = reuse;
      ctx.rebind(id);
    } else {
      ctx = new Context(this, id, "stream", root.plugin, root);
    }
    ctx.hooks = hooks;
    this.#streams.add(ctx);
    this.invoke(contextCreate, ctx, ctx.id, root.id);
    return ctx;
  }

  /** Drops a context after on_delete (ids are never reused). */
  forget(ctx: Context): void {
    ctx.deleted = true;
    if (ctx.kind === "stream") { // no timer to stop: ticks belong to roots
      this.#streams.delete(ctx);
      return;
    }
    this.#stopTimer(ctx);
    this.#contexts.delete(ctx.id);
  }

  contextById(id: number): AbiContext | undefined {
    return this.#contexts.get(id) ?? this.#streams.get(id);
  }

  current(): AbiContext {
    const top = this.#current ?? this.vmContext;
    if (this.#effectiveId !== 0) {
      const eff = this.contextById(this.#effectiveId);
      if (eff) return eff;
    }
    return top;
  }

  setEffectiveContext(id: number): void {
    this.#effectiveId = id;
  }

  get contextCount(): number {
    return this.#contexts.size + this.#streams.size;
  }

  roots(): Context[] {
    return [...this.#contexts.values()].filter((c) => c.kind === "root");
  }

  // ---------------------------------------------------------------------------------------------
  // callbacks driven by the thread

  onQueueReady(rootContextId: number, token: number): void {
    const root = this.#contexts.get(rootContextId);
    if (!root || root.kind !== "root") return; // owner gone: the notification is dropped
    this.call("proxy_on_queue_ready", root, root.id, token);
  }

  setTickPeriod(ctx: AbiContext, periodMs: number): number {
    const root = this.#contexts.get(ctx.rootContextId);
    if (!root || root.kind !== "root") return Status.Ok;
    root.tickPeriodMs = periodMs;
    // Envoy re-arms the tick timer from now, also for an unchanged period.
    if (periodMs > 0) this.#armTimer(root);
    else this.#stopTimer(root);
    return Status.Ok;
  }

  /**
   * Arms the root's tick timer for tickPeriodMs from now. The timer of an earlier arm with the same
   * period is restarted (pending or fired) rather than replaced: a service re-arming on every
   * report and a worker re-arming after every tick cost no new timer each.
   */
  #armTimer(root: Context): void {
    if (root.tickTimer !== undefined && root.tickTimerMs === root.tickPeriodMs) {
      root.tickTimerPending = true;
      this.env.restartTimer(root.tickTimer);
      return;
    }
    this.#stopTimer(root);
    root.tickTimerMs = root.tickPeriodMs;
    root.tickTimerPending = true;
    root.tickTimer = this.env.setTimer(root.tickPeriodMs, () => {
      root.tickTimerPending = false;
      if (this.failed || this.#destroyed || root.deleted || !this.has("proxy_on_tick")) return;
      this.call("proxy_on_tick", root, root.id);
      // Re-armed after on_tick returns, with whatever period is current then (Envoy tickHandler),
      // unless on_tick itself set a period (which armed it already).
      if (!this.failed && !root.deleted && root.tickPeriodMs > 0 && !root.tickTimerPending) this.#armTimer(root);
    });
  }

  #stopTimer(ctx: Context): void {
    if (ctx.tickTimer !== undefined) {
      this.env.cancelTimer(ctx.tickTimer);
      ctx.tickTimer = undefined;
      ctx.tickTimerPending = false;
    }
  }

  done(ctx: AbiContext): number {
    const root = this.#contexts.get(ctx.rootContextId);
    if (!root || !root.pendingDone) return Status.NotFound;
    root.pendingDone = false;
    // cpp-host WasmBase::done: on_delete runs after the calling callback returns, never inside it.
    this.afterCall(() => this.#deleteRoot(root));
    return Status.Ok;
  }

  /** Root teardown (docs §3.5): on_done; 1 -> on_delete now, 0 -> wait for proxy_done(). */
  shutdown(): void {
    for (const root of this.roots()) {
      this.#stopTimer(root);
      if (this.failed) { this.forget(root); continue; }
      const r = this.has("proxy_on_done") ? this.call("proxy_on_done", root, root.id) : 1;
      if (r === 0) root.pendingDone = true;
      else this.#deleteRoot(root);
    }
  }

  #deleteRoot(root: Context): void {
    if (root.deleted) return;
    this.call("proxy_on_delete", root, root.id);
    this.forget(root);
  }

  /** Stops every timer and refuses further calls (a canary after its check, a replaced VM). */
  destroy(): void {
    for (const ctx of this.#contexts.values()) this.#stopTimer(ctx);
    this.#destroyed = true;
  }

  // ---------------------------------------------------------------------------------------------
  // metrics

  #defineMetric(kind: number, name: string): number | undefined {
    const stat = this.env.store.defineMetric(kind as 0 | 1 | 2, `wasmcustom.${name}`);
    if (stat < 0) return undefined;
    const id = this.#nextMetricId[kind];
    this.#nextMetricId[kind] += METRIC_ID_STEP;
    while (this.#metricIds.length < id) this.#metricIds.push(undefined);
    this.#metricIds[id] = { stat, kind };
    return id;
  }

  // ---------------------------------------------------------------------------------------------
  // memory (all pointers are u32; anything outside the memory is InvalidMemoryAccess)

  // Views over the memory, rebuilt only when memory.grow() replaced the buffer. Growing a non-shared
  // memory detaches the old ArrayBuffer (its views read length 0), so a non-empty view is current
  // without asking memory.buffer, a getter that costs more than the host function it serves. A
  // shared memory keeps its old buffer on grow: then the buffer is compared on every access.
  #view: Uint8Array = new Uint8Array(0);
  #dv: DataView = new DataView(new ArrayBuffer(0));
  #sharedMemory = false;

  #bytes(): Uint8Array | undefined {
    const view = this.#view;
    if (view.length !== 0 && !this.#sharedMemory) return view;
    const mem = this.#memory;
    if (!mem) return undefined;
    const buf = mem.buffer;
    if (view.buffer !== buf) {
      this.#sharedMemory = typeof SharedArrayBuffer === "function" && buf instanceof SharedArrayBuffer;
      this.#view = new Uint8Array(buf);
      this.#dv = new DataView(buf);
    }
    return this.#view;
  }

  read(ptr: number, len: number): Uint8Array | undefined {
    const mem = this.#bytes();
    if (!mem || ptr + len > mem.length) return undefined;
    return mem.subarray(ptr, ptr + len);
  }

  readString(ptr: number, len: number): string | undefined {
    const b = this.read(ptr, len);
    return b === undefined ? undefined : DECODER.decode(b);
  }

  writeBytes(ptr: number, data: Uint8Array): boolean {
    const mem = this.#bytes();
    if (!mem || ptr + data.length > mem.length) return false;
    mem.set(data, ptr);
    return true;
  }

  writeU32(ptr: number, v: number): boolean {
    const mem = this.#bytes();
    if (!mem || ptr + 4 > mem.length) return false;
    this.#dv.setUint32(ptr, v >>> 0, true);
    return true;
  }

  /** A u64 given as its low and high 32-bit halves (little-endian, as writeU64). */
  writeU32Pair(ptr: number, lo: number, hi: number): boolean {
    const mem = this.#bytes();
    if (!mem || ptr + 8 > mem.length) return false;
    this.#dv.setUint32(ptr, lo >>> 0, true);
    this.#dv.setUint32(ptr + 4, hi >>> 0, true);
    return true;
  }

  writeU64(ptr: number, v: bigint): boolean {
    const mem = this.#bytes();
    if (!mem || ptr + 8 > mem.length) return false;
    this.#dv.setBigUint64(ptr, v, true); // ToBigUint64 wraps negative values, as asUintN(64) would
    return true;
  }

  alloc(size: number): number {
    const saved = this.#allowed;
    this.#allowed = MALLOC_ALLOWED;
    let p: number | undefined;
    try {
      p = this.call(this.module.allocator, this.vmContext, size);
    } finally {
      this.#allowed = saved;
    }
    if (p === undefined || p === 0) return 0;
    return this.read(p, size) ? p : 0;
  }

  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): boolean {
    let p = 0;
    if (data.length > 0) {
      p = this.alloc(data.length);
      if (p === 0 || !this.writeBytes(p, data)) return false;
    }
    return this.writeU32(ptrPtr, p) && this.writeU32(sizePtr, data.length);
  }

  log(level: number, message: string): number {
    if (level >= this.env.wasmLogLevel()) {
      this.env.emitLog(level, "wasm", `wasm log${this.current().logPrefix()}: ${message}`);
    }
    return Status.Ok;
  }
}

/**
 * cpp-host appends the in-VM frames when the module has a name section:
 * "\nProxy-Wasm plugin in-VM backtrace:\n  0:  0x<offset> - <name>". V8's stack gives us the frames.
 */
function backtrace(e: unknown, names: Map<number, string>): string {
  if (names.size === 0 || !(e instanceof Error) || typeof e.stack !== "string") return "";
  const frames: string[] = [];
  for (const m of e.stack.matchAll(/wasm-function\[(\d+)\]:0x([0-9a-f]+)/g)) {
    const idx = Number(m[1]);
    const name = names.get(idx) ?? `unknown(function index:${idx})`;
    frames.push(`\n${String(frames.length).padStart(3, " ")}:  0x${m[2]} - ${name}`);
  }
  return frames.length === 0 ? "" : `\nProxy-Wasm plugin in-VM backtrace:${frames.join("")}`;
}

/** The arguments a caller of call() gave (it never passes undefined in the middle). */
function passedArgs(...args: (number | undefined)[]): number[] {
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args as number[];
}

/** cpp-host printValues: unsigned decimals separated by ", ". */
function printArgs(args: unknown[]): string {
  return args.map((a) => (typeof a === "bigint" ? BigInt.asUintN(64, a).toString() : String(a))).join(", ");
}

/** V8 reports traps as "Uncaught RuntimeError: <reason>"; host traps keep their own text. */
function trapText(e: unknown): string {
  if (e instanceof HostTrap) return e.message;
  if (e instanceof Error) return `Uncaught ${e.name}: ${e.message}`;
  return String(e);
}
