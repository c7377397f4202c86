// A deliberately small proxy-wasm import object for tests of the ABI layer's INTERNAL logic only:
// how it handles allocation (malloc/pin/unpin), odd host answers (allocate-then-fail, several
// allocations per call, Ok with 0 bytes), CAS retries under interference, and unknown ids.
// Behaviour of the layer against Envoy's semantics is tested through the project's host runtime
// (abi-layer.test.ts); this file is not an Envoy emulation and must not grow into one.
//
// Every import the module declares is provided: the ones below do something, any other answers
// Unimplemented (12) and is recorded in `calls`.
const UNIMPLEMENTED = 12;
const OK = 0;
const NOT_FOUND = 1;
const BAD_ARGUMENT = 2;
const EMPTY = 7;
const CAS_MISMATCH = 8;

export interface LogLine { level: number; message: string }

export class MiniHost {
  readonly instance: WebAssembly.Instance;
  readonly logs: LogLine[] = [];
  readonly calls: string[] = [];
  logLevel = 0;
  /** property path (segments joined with "\0") -> value */
  properties = new Map<string, Uint8Array>();
  pluginConfig = new Uint8Array(0);
  vmConfig = new Uint8Array(0);
  /** get_property: call malloc this many extra times (never reported) before and after the real block. */
  strayAllocations = 0;
  /** get_property of these paths: allocate the value, then answer this status instead of Ok. */
  failAfterAllocating = new Map<string, number>();
  /** set_shared_data: answer CasMismatch this many times (another writer got there first). */
  interferingWrites = 0;
  shared = new Map<string, { value: Uint8Array; cas: number }>();
  #nextCas = 1;
  metricCalls: string[] = [];
  tickPeriodMs = -1;

  constructor(bytes: Uint8Array) {
    const mod = new WebAssembly.Module(bytes);
    const env: Record<string, (...a: any[]) => any> = {};
    const impl = this.#implementations();
    for (const imp of WebAssembly.Module.imports(mod)) {
      if (imp.kind !== "function") throw new Error(`mini host: unexpected ${imp.kind} import ${imp.module}.${imp.name}`);
      if (imp.module !== "env") throw new Error(`mini host: import from module ${imp.module} (${imp.name})`);
      env[imp.name] = impl[imp.name] ?? ((..._args: unknown[]) => {
        this.calls.push(imp.name);
        return UNIMPLEMENTED;
      });
    }
    this.instance = new WebAssembly.Instance(mod, { env });
    (this.exports._initialize as () => void)();
  }

  get exports(): Record<string, any> {
    return this.instance.exports as Record<string, any>;
  }

  get memory(): WebAssembly.Memory {
    return this.exports.memory as WebAssembly.Memory;
  }

  #view(): DataView {
    return new DataView(this.memory.buffer);
  }

  #bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr >>> 0, len >>> 0).slice();
  }

  #string(ptr: number, len: number): string {
    return new TextDecoder().decode(this.#bytes(ptr, len));
  }

  /** Copies data into module memory the way Envoy does (malloc, copy, write ptr and size). */
  #give(data: Uint8Array, ptrPtr: number, sizePtr: number): boolean {
    let ptr = 0;
    if (data.length > 0) {
      ptr = (this.exports.malloc as (n: number) => number)(data.length) >>> 0;
      if (ptr === 0) return false;
      new Uint8Array(this.memory.buffer).set(data, ptr);
    }
    const v = this.#view();
    v.setUint32(ptrPtr, ptr, true);
    v.setUint32(sizePtr, data.length, true);
    return true;
  }

  #stray(): void {
    for (let i = 0; i < this.strayAllocations; i++) (this.exports.malloc as (n: number) => number)(1024);
  }

  #implementations(): Record<string, (...a: any[]) => any> {
    return {
      proxy_log: (level: number, ptr: number, len: number) => {
        this.logs.push({ level, message: this.#string(ptr, len) });
        return OK;
      },
      proxy_get_log_level: (retPtr: number) => {
        this.#view().setUint32(retPtr, this.logLevel, true);
        return OK;
      },
      proxy_get_property: (pathPtr: number, pathLen: number, retPtr: number, retSize: number) => {
        const path = this.#string(pathPtr, pathLen);
        const value = this.properties.get(path);
        if (!value) return NOT_FOUND;
        this.#stray();
        if (!this.#give(value, retPtr, retSize)) return 6;
        this.#stray();
        return this.failAfterAllocating.get(path) ?? OK;
      },
      proxy_get_buffer_bytes: (type: number, start: number, max: number, retPtr: number, retSize: number) => {
        const buf = type === 7 ? this.pluginConfig : type === 6 ? this.vmConfig : null;
        if (!buf) return NOT_FOUND;
        return this.#give(buf.subarray(start, start + max), retPtr, retSize) ? OK : 6;
      },
      proxy_get_shared_data: (kp: number, kl: number, retPtr: number, retSize: number, retCas: number) => {
        const e = this.shared.get(this.#string(kp, kl));
        if (!e) return NOT_FOUND;
        this.#give(e.value, retPtr, retSize);
        this.#view().setUint32(retCas, e.cas, true);
        return OK;
      },
      proxy_set_shared_data: (kp: number, kl: number, vp: number, vl: number, cas: number) => {
        const key = this.#string(kp, kl);
        const e = this.shared.get(key);
        if (this.interferingWrites > 0 && e) {
          // Another VM wrote in between: its write bumps the cas, and ours then mismatches.
          this.interferingWrites--;
          const v = new Uint8Array(e.value);
          new DataView(v.buffer).setUint32(0, new DataView(v.buffer).getUint32(0, true) + 1000, true);
          this.shared.set(key, { value: v, cas: this.#nextCas++ });
        }
        const cur = this.shared.get(key);
        if (cas !== 0 && cur && cur.cas !== cas >>> 0) return CAS_MISMATCH;
        this.shared.set(key, { value: this.#bytes(vp, vl), cas: this.#nextCas++ });
        return OK;
      },
      proxy_define_metric: (type: number, np: number, nl: number, retId: number) => {
        this.metricCalls.push(`define ${type} ${this.#string(np, nl)}`);
        this.#view().setUint32(retId, 4 + type, true);
        return OK;
      },
      proxy_increment_metric: (id: number, delta: bigint) => {
        this.metricCalls.push(`increment ${id} ${delta}`);
        return OK;
      },
      proxy_get_metric: (id: number, retPtr: number) => {
        this.metricCalls.push(`get ${id}`);
        this.#view().setBigUint64(retPtr, 0n, true);
        return OK;
      },
      proxy_set_tick_period_milliseconds: (ms: number) => {
        this.tickPeriodMs = ms;
        return OK;
      },
      proxy_dequeue_shared_queue: () => EMPTY,
      proxy_get_current_time_nanoseconds: (retPtr: number) => {
        this.#view().setBigUint64(retPtr, BigInt(Date.now()) * 1_000_000n, true);
        return OK;
      },
      proxy_set_buffer_bytes: () => BAD_ARGUMENT,
    };
  }

  /** Root start-up as Envoy runs it: create(id, 0) -> vm_start -> configure. Returns [vmStart, configure]. */
  startRoot(id: number, rootId: string, pluginConfig: string, vmConfig = ""): [number, number] {
    this.properties.set("plugin_root_id", new TextEncoder().encode(rootId));
    this.pluginConfig = new TextEncoder().encode(pluginConfig);
    this.vmConfig = new TextEncoder().encode(vmConfig);
    this.exports.proxy_on_context_create(id, 0);
    const started = this.exports.proxy_on_vm_start(id, this.vmConfig.length) as number;
    if (!started) return [started, 0];
    return [started, this.exports.proxy_on_configure(id, this.pluginConfig.length) as number];
  }

  /** Info lines of the probe ("probe <command>: <result>") for one command prefix. */
  probe(command: string): string[] {
    const prefix = `probe ${command}: `;
    return this.logs.filter((l) => l.message.startsWith(prefix)).map((l) => l.message.slice(prefix.length));
  }
}
