// proxy-wasm contexts as the host keeps them: the VM context (id 0), one root context per plugin
// per VM, and stream contexts (one per connection per wasm filter).
import { Status, type PluginSpec } from "../contracts.ts";
import { BufferType, constBuffer } from "../abi/buffers.ts";
import { StreamType } from "../abi/stream.ts";
import { encodeString } from "../abi/properties.ts";
import type { AbiBuffer, AbiContext, ContextKind } from "../abi/types.ts";

/** What a stream context needs from the connection it belongs to (runtime/filter-manager.ts). */
export interface StreamHooks {
  getBuffer(type: number): AbiBuffer | undefined;
  /** undefined: not a connection property (the context falls back to plugin properties); a number: a status. */
  getProperty(path: string[]): Uint8Array | number | undefined;
  setProperty(path: string, value: Uint8Array): number;
  continueStream(type: number): number;
  closeStream(type: number): number;
}

const EMPTY_BUFFER = constBuffer(new Uint8Array(0));

export interface VmInfo {
  readonly vmId: string;
  readonly vmConfiguration: Uint8Array;
}

export class Context implements AbiContext {
  /** Fixed for the context's life; a forgotten stream context may be rebound (`rebind`) to a new id. */
  id: number;
  readonly kind: ContextKind;
  readonly plugin: PluginSpec | undefined;
  readonly root: Context | undefined;
  readonly vm: VmInfo;
  hooks: StreamHooks | undefined;
  /** Root only: plugin configuration is readable during start-up (create/vm_start/configure). */
  pluginConfigVisible = false;
  // Root-only timer state (docs §6).
  tickPeriodMs = 0;
  /** The timer of the latest arm (kept after it fires, to be restarted), its period, and whether it is armed now. */
  tickTimer: unknown = undefined;
  tickTimerMs = 0;
  tickTimerPending = false;
  /** Root only: on_done returned 0, waiting for proxy_done(). */
  pendingDone = false;
  deleted = false;
  /** The next stream context in its StreamTable slot (the table's own link; nothing else reads it). */
  nextInSlot: Context | undefined = undefined;

  constructor(vm: VmInfo, id: number, kind: ContextKind, plugin?: PluginSpec, root?: Context) {
    this.vm = vm;
    this.id = id;
    this.kind = kind;
    this.plugin = plugin;
    this.root = root;
  }

  /** A forgotten stream context made the context of a new stream: fresh id, state as constructed. */
  rebind(id: number): void {
    this.id = id;
    this.deleted = false;
    this.hooks = undefined;
  }

  get rootContextId(): number {
    return this.kind === "root" ? this.id : this.root ? this.root.id : 0;
  }

  /**
   * Envoy Context::getBuffer: only the plugin configuration (outside start-up) and an HTTP call
   * response (none here) are NotFound; the other types always exist, empty when nothing is live,
   * and an empty one refuses writes (BadArgument).
   */
  getBuffer(type: number): AbiBuffer | undefined {
    if (type === BufferType.VmConfiguration) return constBuffer(this.vm.vmConfiguration);
    if (type === BufferType.PluginConfiguration) {
      const root = this.kind === "root" ? this : this.root;
      return root?.pluginConfigVisible && this.plugin ? constBuffer(this.plugin.pluginConfiguration) : undefined;
    }
    if (type === BufferType.HttpCallResponseBody) return undefined;
    return this.hooks?.getBuffer(type) ?? EMPTY_BUFFER;
  }

  getProperty(path: string[]): Uint8Array | number | undefined {
    const fromStream = this.hooks?.getProperty(path);
    if (fromStream !== undefined) return fromStream;
    if (path.length !== 1) return undefined;
    // Envoy findValue: plugin_vm_id and plugin_root_id exist in every context ("" for the VM context),
    // plugin_name only where a plugin is attached.
    switch (path[0]) {
      case "plugin_name": return this.plugin ? encodeString(this.plugin.name) : undefined;
      case "plugin_root_id": return encodeString(this.plugin?.rootId ?? "");
      case "plugin_vm_id": return encodeString(this.vm.vmId);
      default: return undefined;
    }
  }

  setProperty(path: string, value: Uint8Array): number {
    // Envoy keeps these in the connection's filter state; root and VM contexts have no stream info.
    return this.hooks ? this.hooks.setProperty(path, value) : Status.NotFound;
  }

  continueStream(type: number): number {
    if (this.hooks) return this.hooks.continueStream(type);
    return type === StreamType.Upstream ? Status.Unimplemented : Status.Ok;
  }

  closeStream(type: number): number {
    return this.hooks ? this.hooks.closeStream(type) : Status.Ok;
  }

  logPrefix(): string {
    let parts: string[];
    if (this.kind === "vm" || !this.plugin) parts = [];
    else if (this.kind === "root") parts = [this.plugin.rootId, this.vm.vmId];
    else parts = [this.plugin.name, this.plugin.rootId, this.vm.vmId];
    return parts.filter((p) => p !== "").map((p) => ` ${p}`).join("");
  }
}
