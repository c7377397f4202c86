// What one thread of the host runs (contracts.ts ThreadRuntimeApi):
//   main:   a canary per plugin (a false from vm_start/configure rejects the config), then the
//           singleton Wasm services;
//   worker: one VM per distinct vm_key, one root context per plugin key; a FilterManager per accepted
//           connection, with each plugin's failure policy applied when its VM has failed.
import { createHash } from "node:crypto";
import { LogLevel, type ConnectionHandler, type HostConfig, type ListenerSpec, type PluginSpec, type TcpProxySpec, type ThreadEnv, type ThreadRuntimeApi, type Transport } from "../contracts.ts";
import type { Context } from "./context.ts";
import { FilterManager, wasmInstall, type WasmFilterInstall, type WasmInstall } from "./filter-manager.ts";
import { Vm } from "./vm.ts";
import { loadWasmModule, WasmLoadError, type LoadedModule } from "./wasm-module.ts";

/**
 * The configuration cannot run (Envoy: startup fails / the xDS update is NACKed). The message is
 * Envoy's ("Unable to create Wasm plugin <name>"); `reason` says what failed first.
 */
export class ConfigRejected extends Error {
  readonly reason: string;
  constructor(message: string, reason = "") {
    super(reason ? `${message}: ${reason}` : message);
    this.name = "ConfigRejected";
    this.reason = reason;
  }
}

export interface ThreadRuntimeOptions {
  config: HostConfig;
  env: ThreadEnv;
  role: "main" | "worker";
  /** Compiled modules by code path (compiled once on main); missing ones are loaded from disk. */
  modules?: Map<string, WebAssembly.Module | LoadedModule>;
  /** FAIL_RELOAD: minimum time between loads in ms (Envoy reload_config.backoff.base_interval, default 1 s). */
  reloadBackoffMs?: number;
}

type Policy = "FAIL_OPEN" | "FAIL_CLOSED" | "FAIL_RELOAD";

/** One plugin (plugin key) on this thread. */
interface PluginSlot {
  plugin: PluginSpec;
  vmKey: string;
  module: LoadedModule;
  vm: Vm | undefined;
  root: Context | undefined;
  policy: Policy;
  failOpen: boolean;
  /** Monotonic ms of the last (re)load of this plugin's VM on this thread (Envoy last_load). */
  lastLoadMs: number;
  /** The install handed to every connection while vm and root stay the same (one object, not one per connection). */
  installed?: WasmInstall;
}

interface ListenerChain {
  spec: ListenerSpec; slots: PluginSlot[]; tcp: TcpProxySpec;
  /** The installs of the last connection: handed to the next one too while every slot gives the same. */
  installs: WasmFilterInstall[];
}

export function vmKey(p: PluginSpec, m: LoadedModule): string {
  return createHash("sha256").update(p.vmId).update("\0").update(p.vmConfiguration).update("\0").update(m.sha256).digest("hex");
}

function pluginKey(p: PluginSpec, vmk: string): string {
  return createHash("sha256").update(p.name).update("\0").update(p.rootId).update("\0")
    .update(p.pluginConfiguration).update("\0").update(vmk).digest("hex");
}

function policyOf(p: PluginSpec): { policy: Policy; failOpen: boolean } {
  const failOpen = p.failOpen || p.failurePolicy === "FAIL_OPEN";
  return { policy: failOpen ? "FAIL_OPEN" : p.failurePolicy, failOpen };
}

export class ThreadRuntime implements ThreadRuntimeApi {
  readonly env: ThreadEnv;
  readonly role: "main" | "worker";
  readonly config: HostConfig;
  #modules = new Map<string, LoadedModule>();
  #vms = new Map<string, Vm>();
  #byInstance = new Map<number, Vm>();
  #slots = new Map<string, PluginSlot>();
  #listeners = new Map<string, ListenerChain>();
  #services: PluginSlot[] = [];
  #clusterNames: Set<string>;
  #reloadBackoffMs: number;
  /** The FilterManager's log, shared by every connection of this thread. */
  readonly #filterLog = (level: number, line: string): void => {
    if (level >= this.env.wasmLogLevel()) this.env.emitLog(level, "filter", line);
  };

  static async create(opts: ThreadRuntimeOptions): Promise<ThreadRuntime> {
    const rt = new ThreadRuntime(opts);
    rt.#loadModules(opts.modules);
    if (opts.role === "main") {
      rt.#runCanaries();
      rt.#startServices();
    } else {
      rt.#startWorker();
    }
    return rt;
  }

  private constructor(opts: ThreadRuntimeOptions) {
    this.env = opts.env;
    this.role = opts.role;
    this.config = opts.config;
    this.#clusterNames = new Set(opts.config.clusters.map((c) => c.name));
    this.#reloadBackoffMs = opts.reloadBackoffMs ?? 1000;
  }

  #plugins(): { filters: PluginSpec[]; services: PluginSpec[] } {
    const filters: PluginSpec[] = [];
    for (const l of this.config.listeners) for (const f of l.filters) if (f.kind === "wasm") filters.push(f.plugin);
    return { filters, services: this.config.wasmServices };
  }

  #loadModules(given: Map<string, WebAssembly.Module | LoadedModule> | undefined): void {
    const { filters, services } = this.#plugins();
    for (const p of [...filters, ...services]) {
      if (this.#modules.has(p.codePath)) continue;
      const g = given?.get(p.codePath);
      try {
        const m = g && !(g instanceof WebAssembly.Module) ? g : loadWasmModule(p.codePath, g);
        this.#modules.set(p.codePath, m);
      } catch (e) {
        const lines = e instanceof WasmLoadError ? e.logLines() : [`Wasm VM failed ${(e as Error).message}`];
        for (const line of lines) this.#log(LogLevel.error, line);
        this.#reject(p, (e as Error).message);
      }
    }
  }

  /** Envoy: critical "Plugin <name> failed to load", then the config is refused. */
  #reject(p: PluginSpec, reason: string): never {
    this.#log(LogLevel.critical, `Plugin ${p.name} failed to load`);
    throw new ConfigRejected(`Unable to create Wasm plugin ${p.name}`, reason);
  }

  #log(level: number, line: string): void {
    if (level >= this.env.wasmLogLevel()) this.env.emitLog(level, "wasm", line);
  }

  #newVm(p: PluginSpec, module: LoadedModule): Vm {
    const vm = Vm.create({
      module, env: this.env, vmId: p.vmId, vmConfiguration: p.vmConfiguration,
      environmentVariables: p.environmentVariables, clusterNames: this.#clusterNames,
    });
    this.#byInstance.set(vm.instanceId, vm);
    this.#lifecycle(p.runtime, 1);
    return vm;
  }

  /** Drops a VM that will never be called again (a canary, a VM replaced by FAIL_RELOAD). */
  #dropVm(vm: Vm, runtime: string): void {
    vm.destroy();
    this.#byInstance.delete(vm.instanceId);
    this.#lifecycle(runtime, -1);
  }

  /** Envoy's LifecycleStatsHandler: wasm.<runtime>.created (counter) and wasm.<runtime>.active (gauge). */
  #lifecycle(runtime: string, delta: 1 | -1): void {
    const store = this.env.store;
    if (delta > 0) {
      const created = store.defineMetric(0, `wasm.${runtime}.created`);
      if (created >= 0) store.counterAdd(created, 1n);
    }
    const active = store.defineMetric(1, `wasm.${runtime}.active`);
    if (active >= 0) store.gaugeAdd(active, BigInt(delta));
  }

  /** Gets (or creates) the slot of a plugin on this thread and starts its root context. */
  #slot(p: PluginSpec, shareVm: boolean): PluginSlot {
    const module = this.#modules.get(p.codePath)!;
    const vk = vmKey(p, module);
    const key = pluginKey(p, vk);
    const existing = this.#slots.get(key);
    if (existing) return existing;
    let vm = shareVm ? this.#vms.get(vk) : undefined;
    if (!vm) {
      vm = this.#newVm(p, module);
      if (shareVm) this.#vms.set(vk, vm);
    }
    const slot: PluginSlot = { plugin: p, vmKey: vk, module, vm, root: undefined, ...policyOf(p), lastLoadMs: this.#nowMs() };
    this.#slots.set(key, slot);
    this.#startRoot(slot);
    return slot;
  }

  #startRoot(slot: PluginSlot): boolean {
    const vm = slot.vm!;
    if (vm.failed) return false;
    const { root, ok, stage } = vm.startRoot(slot.plugin);
    if (!ok) {
      // cpp-host getOrCreateThreadLocalPlugin: the handle is null and the filter is skipped here.
      this.#log(LogLevel.error, stage === "start"
        ? "Wasm VM failed Failed to start thread-local Wasm"
        : "Wasm VM failed Failed to configure thread-local Wasm plugin");
      return false;
    }
    slot.root = root;
    return true;
  }

  #nowMs(): number {
    return Number(this.env.monotonicNs() / 1_000_000n);
  }

  /**
   * cpp-host createWasm + canary: a base VM per vm_key (start-up functions only), then for each
   * plugin key a throwaway clone that must start and configure its root context.
   */
  #runCanaries(): void {
    const { filters, services } = this.#plugins();
    const bases = new Set<string>();
    const seen = new Set<string>();
    for (const p of [...filters, ...services]) {
      const module = this.#modules.get(p.codePath)!;
      const vk = vmKey(p, module);
      if (!bases.has(vk)) {
        bases.add(vk);
        // The base VM stays (as in Envoy, it is the template clones are made from); it is never called.
        const base = this.#newVm(p, module);
        this.#byInstance.delete(base.instanceId);
        if (base.failed) {
          this.#log(LogLevel.error, "Wasm VM failed Failed to initialize Wasm code");
          this.#reject(p, base.failMessage);
        }
      }
      const key = pluginKey(p, vk);
      if (seen.has(key)) continue;
      seen.add(key);
      const canary = this.#newVm(p, module);
      let error = "";
      let reason = "";
      if (canary.failed) {
        error = "Failed to initialize Wasm code";
        reason = canary.failMessage;
      } else {
        const r = canary.startRoot(p);
        if (!r.ok) {
          error = r.stage === "start" ? "Failed to start base Wasm" : "Failed to configure base Wasm plugin";
          reason = r.reason;
        }
      }
      this.#dropVm(canary, p.runtime);
      if (error !== "") {
        this.#log(LogLevel.error, `Wasm VM failed ${error}`);
        this.#reject(p, `${error} (${reason})`);
      }
    }
  }

  #startServices(): void {
    for (const p of this.config.wasmServices) {
      const slot = this.#slot(p, true);
      this.#services.push(slot);
    }
  }

  #startWorker(): void {
    for (const l of this.config.listeners) {
      const slots: PluginSlot[] = [];
      let tcp: TcpProxySpec | undefined;
      for (const f of l.filters) {
        if (f.kind === "wasm") slots.push(this.#slot(f.plugin, true));
        else tcp = f;
      }
      if (!tcp) throw new ConfigRejected(`listener ${l.name}: the filter chain must end with tcp_proxy`);
      this.#listeners.set(l.name, { spec: l, slots, tcp, installs: [] });
    }
  }

  /** The failure policy, applied when a connection is created (docs §9). */
  #install(slot: PluginSlot): WasmFilterInstall | undefined {
    if (slot.vm && !slot.vm.failed && slot.root) {
      const cached = slot.installed;
      if (cached && cached.vm === slot.vm && cached.root === slot.root) return cached;
      return (slot.installed = wasmInstall(slot.vm, slot.root, slot.plugin, slot.failOpen));
    }
    if (!slot.vm?.failed) return undefined; // the root did not start on this thread: silently skipped
    if (slot.policy === "FAIL_OPEN") return undefined;
    // Envoy maybeReloadHandleIfNeeded: at most one load per backoff interval since the last load.
    if (slot.policy === "FAIL_RELOAD" && this.#nowMs() - slot.lastLoadMs >= this.#reloadBackoffMs && this.#reload(slot)) {
      return wasmInstall(slot.vm!, slot.root!, slot.plugin, slot.failOpen);
    }
    return { kind: "fail-closed", plugin: slot.plugin };
  }

  /**
   * FAIL_RELOAD: a fresh VM for the vm_key (module state is lost) with every plugin on it restarted.
   * Kept only if all of them start; otherwise the failed VM stays (Envoy keeps the old handle) and
   * the next attempt waits for another interval.
   */
  #reload(slot: PluginSlot): boolean {
    const old = slot.vm!;
    const now = this.#nowMs();
    const affected = [...this.#slots.values()].filter((s) => s.vm === old);
    for (const s of affected) s.lastLoadMs = now;
    const vm = this.#newVm(slot.plugin, slot.module);
    const roots = new Map<PluginSlot, Context>();
    for (const s of affected) {
      if (vm.failed) break;
      const r = vm.startRoot(s.plugin);
      if (r.ok) roots.set(s, r.root);
    }
    if (vm.failed || roots.size !== affected.length) {
      this.#dropVm(vm, slot.plugin.runtime);
      this.#log(LogLevel.warn, `Failed to reload WASM plugin: ${slot.plugin.name}`);
      return false;
    }
    this.#dropVm(old, slot.plugin.runtime);
    this.#vms.set(slot.vmKey, vm);
    for (const s of affected) {
      s.vm = vm;
      s.root = roots.get(s);
    }
    return true;
  }

  createConnection(listenerName: string, transport: Transport): ConnectionHandler {
    const chain = this.#listeners.get(listenerName);
    if (!chain) throw new Error(`ThreadRuntime.createConnection: no listener named "${listenerName}" on ${this.role} thread ${this.env.threadId}`);
    // The FilterManager only reads the list, so one list serves every connection until an install
    // changes (a failed VM's policy, a reload): copied only then, no array per connection.
    let filters = chain.installs;
    let n = 0;
    for (const s of chain.slots) {
      const install = this.#install(s);
      if (install === undefined) continue;
      if (filters[n] !== install) {
        if (filters === chain.installs) filters = filters.slice(0, n);
        filters[n] = install;
      }
      n++;
    }
    if (filters.length !== n) filters = filters.slice(0, n);
    chain.installs = filters;
    return new FilterManager({ transport, filters, tcpProxy: chain.tcp, log: this.#filterLog });
  }

  deliverQueueReady(vmInstanceId: number, rootContextId: number, token: number): void {
    const vm = this.#byInstance.get(vmInstanceId);
    if (!vm || vm.failed) return; // owner gone or failed: dropped, the data stays queued
    vm.onQueueReady(rootContextId, token);
  }

  shutdown(): void {
    const vms = new Set<Vm>();
    for (const s of this.#slots.values()) if (s.vm) vms.add(s.vm);
    for (const vm of vms) vm.shutdown();
  }

  // read-outs for tests and the admin side
  vmFor(pluginName: string): Vm | undefined {
    for (const s of this.#slots.values()) if (s.plugin.name === pluginName) return s.vm;
    return undefined;
  }

  vms(): Vm[] {
    return [...this.#byInstance.values()];
  }
}
