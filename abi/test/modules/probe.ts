// Test module for the ABI layer (built to build/abi-test/probe[.debug].wasm). It exercises the
// public surface of abi/assembly from real callbacks and reports through log lines, so the tests
// can drive it through any host (the project's Emulator or a test's own import object) and assert
// only on what a host can observe.
//
// Root id "abi_probe". The plugin configuration is a list of commands, one per line, run in
// onConfigure; each logs one info line "probe <command>: <result>":
//   config                         "<configuration bytes> <command lines>"
//   vm-config                      echo the VM configuration
//   property <seg> [<seg>...]      getPropertyString(path) or "null <status>"
//   property-i64 <seg>...          getPropertyI64(path, -1)
//   cas-add <key> <delta> <times>  updateSharedData adding a u32 LE counter, <times> times
//   shared-get <key>               the u32 value and whether a cas came back, or "absent"
//   shared-set <key> <u32> <cas>   setSharedData status name
//   queue-register <name>          token (0 = failed)
//   queue-resolve <vmId|-> <name>  token (0 = not found); "-" = own vm_id
//   enqueue <token> <text>         status name
//   send <vmId|-> <queue> <text>   through a QueueSender kept per root and queue (lazy resolve):
//                                  "<token> <status name>" (token 0 while unresolved)
//   counter <name> <delta>         increment status name, then value
//   gauge <name> <delta> <set>     add(delta) then get, set(set) then get
//   histogram <name> <value>       record status name
//   batched <name> <n>             a Counter and a Gauge "<name>.g": addLater n times (gauge +2 -1 each),
//                                  values before and after flush(), then after a second (empty) flush
//   tick <ms>                      setTickPeriod; every tick logs "probe tick <n>", stops after 3
//   time                           "ok" when nowNs() is within a minute of the given epoch-ms arg
//   read-property-loop <n> <seg>.. read the property n times (allocation/leak checks), then
//                                  "pending=<n> untracked=<n> pages=<memory pages>"
//   read-pattern-loop <n> <seg>..  like read-property-loop, but checks every byte j == j & 0xff and
//                                  allocates garbage between reads so GC cycles run: "bad=<n> ..."
//   stats                          "pending=<n> untracked=<n> pages=<n> roots=<n> streams=<n>"
//   all-hostcalls                  touches every wrapper once (so every import is linked)
//   fail                           makes onConfigure return false
//   abort                          throws (the abort handler logs at critical and traps)
// Stream contexts log "probe conn <id> <event>"; with a `conn-upper` line in the configuration,
// downstream data is read, upper-cased and written back with setBuffer (L4 buffer helpers).
export * from "../../assembly/exports";

import {
  registerRootContext, RootContext, TcpContext, FilterStatus, BufferType, log, lastStatus, wasmResultName,
  getPropertyString, getPropertyI64, getProperty, updateSharedData, SharedDataUpdate, getSharedData,
  setSharedData, registerSharedQueue, resolveSharedQueue, enqueueSharedQueue, dequeueSharedQueue,
  Counter, Gauge, Histogram, nowNs, utf8, pendingHostAllocations, untrackedHostAllocations,
  liveRootContexts, liveStreamContexts, WasmResult, MetricType, StreamType, MapType,
  done, setEffectiveContext, getStatus, getBufferBytes, setBufferBytes, getBufferSize, continueStream,
  closeStream, getHeaderMapValue, addHeaderMapValue, replaceHeaderMapValue, removeHeaderMapValue,
  getHeaderMapPairs, setHeaderMapPairs, getHeaderMapSize, sendLocalResponse, httpCall, grpcCall,
  grpcStream, grpcSend, grpcCancel, grpcClose, callForeignFunction, setProperty, getPropertyBool,
  QueueSender, QueueConsumer, drainSharedQueue,
} from "../../assembly";

// Kept in a global so the optimiser cannot drop the allocations that keep the GC busy.
let garbage: ArrayBuffer | null = null;

class AddU32 extends SharedDataUpdate {
  constructor(public delta: u32) {
    super();
  }

  apply(current: ArrayBuffer | null): ArrayBuffer | null {
    const before: u32 = current !== null && current.byteLength == 4 ? load<u32>(changetype<usize>(current)) : 0;
    const next = new ArrayBuffer(4);
    store<u32>(changetype<usize>(next), before + this.delta);
    return next;
  }
}

class CollectText extends QueueConsumer {
  text: string = "";

  onItem(item: ArrayBuffer): void {
    this.text += (this.text.length > 0 ? "," : "") + String.UTF8.decode(item, false);
  }
}

function report(command: string, result: string): void {
  log.info("probe " + command + ": " + result);
}

function u32Of(buf: ArrayBuffer | null): string {
  if (buf === null) return "null";
  if (buf.byteLength != 4) return "len" + buf.byteLength.toString();
  return load<u32>(changetype<usize>(buf)).toString();
}

function statsLine(): string {
  return "pending=" + pendingHostAllocations().toString() + " untracked=" + untrackedHostAllocations().toString() +
    " pages=" + memory.size().toString() + " roots=" + liveRootContexts().toString() +
    " streams=" + liveStreamContexts().toString();
}

class ProbeRoot extends RootContext {
  ticks: i32 = 0;
  senders: Map<string, QueueSender> = new Map<string, QueueSender>();
  upper: bool = false;

  onVmStart(vmConfigSize: u32): bool {
    report("vm-start", vmConfigSize.toString());
    return true;
  }

  onConfigure(pluginConfigSize: u32): bool {
    const bytes = this.getPluginConfig();
    if (bytes === null) {
      report("config", "none");
      return true;
    }
    const lines = String.UTF8.decode(bytes, false).split("\n");
    let commands = 0;
    for (let i = 0; i < lines.length; i++) if (lines[i].trim().length > 0) commands++;
    let ok = true;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line.length == 0) continue;
      if (!this.run(line, bytes.byteLength, commands)) ok = false;
    }
    return ok;
  }

  run(line: string, configSize: i32, commands: i32): bool {
    const t = line.split(" ");
    const cmd = t[0];
    if (cmd == "config") {
      report(cmd, configSize.toString() + " " + commands.toString());
    } else if (cmd == "vm-config") {
      const vm = this.getVmConfig();
      report(cmd, vm === null ? "null" : String.UTF8.decode(vm, false));
    } else if (cmd == "property") {
      const v = getPropertyString(t.slice(1));
      report(line, v === null ? "null " + wasmResultName(lastStatus()) : "\"" + v + "\"");
    } else if (cmd == "property-i64") {
      report(line, getPropertyI64(t.slice(1), -1).toString());
    } else if (cmd == "cas-add") {
      const times = I32.parseInt(t[3]);
      const update = new AddU32(<u32>I32.parseInt(t[2]));
      let attempts = 0;
      let failures = 0;
      for (let i = 0; i < times; i++) {
        const r = updateSharedData(t[1], update, 8);
        attempts += r.attempts;
        if (r.status != WasmResult.Ok) failures++;
      }
      report(cmd, "value=" + u32Of(getSharedData(t[1]).value) + " attempts=" + attempts.toString() +
        " failures=" + failures.toString());
    } else if (cmd == "shared-get") {
      const r = getSharedData(t[1]);
      report(line, r.value === null ? "absent " + wasmResultName(r.status) : u32Of(r.value) + " cas>0=" + (r.cas > 0 ? "yes" : "no"));
    } else if (cmd == "shared-set") {
      const v = new ArrayBuffer(4);
      store<u32>(changetype<usize>(v), <u32>I32.parseInt(t[2]));
      report(line, wasmResultName(setSharedData(t[1], v, <u32>U32.parseInt(t[3]))));
    } else if (cmd == "queue-register") {
      report(line, registerSharedQueue(t[1]).toString());
    } else if (cmd == "queue-resolve") {
      report(line, resolveSharedQueue(t[1] == "-" ? "" : t[1], t[2]).toString());
    } else if (cmd == "enqueue") {
      report(line, wasmResultName(enqueueSharedQueue(<u32>I32.parseInt(t[1]), utf8(t.slice(2).join(" ")))));
    } else if (cmd == "send") {
      const key = t[1] + "/" + t[2];
      if (!this.senders.has(key)) this.senders.set(key, new QueueSender(t[1] == "-" ? "" : t[1], t[2]));
      const sender = this.senders.get(key);
      const status = sender.send(utf8(t.slice(3).join(" ")));
      report(cmd, sender.resolvedToken.toString() + " " + wasmResultName(status));
    } else if (cmd == "counter") {
      const c = new Counter(t[1]);
      const s = c.increment(I64.parseInt(t[2]));
      report(line, wasmResultName(s) + " value=" + c.get().toString());
    } else if (cmd == "gauge") {
      const g = new Gauge(t[1]);
      g.add(I64.parseInt(t[2]));
      const afterAdd = g.get();
      g.set(U64.parseInt(t[3]));
      report(line, afterAdd.toString() + " " + g.get().toString());
    } else if (cmd == "batched") {
      const c = new Counter(t[1]);
      const g = new Gauge(t[1] + ".g");
      c.define(); g.define();
      const n = I32.parseInt(t[2]);
      for (let i = 0; i < n; i++) { c.addLater(); g.addLater(2); g.addLater(-1); }
      const before = c.get().toString() + "/" + g.get().toString();
      c.flush(); g.flush();
      const after = c.get().toString() + "/" + g.get().toString();
      c.flush(); g.flush();
      report(line, before + " " + after + " " + c.get().toString() + "/" + g.get().toString());
    } else if (cmd == "histogram") {
      const h = new Histogram(t[1]);
      report(line, wasmResultName(h.record(U64.parseInt(t[2]))));
    } else if (cmd == "tick") {
      report(line, wasmResultName(this.setTickPeriod(<u32>I32.parseInt(t[1]))));
    } else if (cmd == "time") {
      const nowMs = nowNs() / 1_000_000;
      const expected = U64.parseInt(t[1]);
      const diff = nowMs > expected ? nowMs - expected : expected - nowMs;
      report(cmd, diff < 60_000 ? "ok" : "off by " + diff.toString() + " ms");
    } else if (cmd == "read-property-loop") {
      const n = I32.parseInt(t[1]);
      const path = t.slice(2);
      let bytes: i64 = 0;
      for (let i = 0; i < n; i++) {
        const v = getProperty(path);
        if (v !== null) bytes += v.byteLength;
      }
      report(cmd, "bytes=" + bytes.toString() + " " + statsLine());
    } else if (cmd == "read-pattern-loop") {
      const n = I32.parseInt(t[1]);
      const path = t.slice(2);
      let bad = 0;
      let bytes: i64 = 0;
      for (let i = 0; i < n; i++) {
        const v = getProperty(path);
        if (v === null) { bad++; continue; }
        const p = changetype<usize>(v);
        for (let j = 0; j < v.byteLength; j++) {
          if (load<u8>(p + <usize>j) != <u8>(j & 0xff)) { bad++; break; }
        }
        bytes += v.byteLength;
        garbage = new ArrayBuffer(256 + (i & 255));
      }
      report(cmd, "bad=" + bad.toString() + " bytes=" + bytes.toString() + " " + statsLine());
    } else if (cmd == "stats") {
      report(cmd, statsLine());
    } else if (cmd == "conn-upper") {
      this.upper = true;
      report(cmd, "on");
    } else if (cmd == "all-hostcalls") {
      report(cmd, touchEveryHostcall());
    } else if (cmd == "abort") {
      throw new Error("probe abort requested");
    } else if (cmd == "fail") {
      report(cmd, "returning false");
      return false;
    } else {
      report(cmd, "unknown command");
      return false;
    }
    return true;
  }

  onTick(): void {
    this.ticks++;
    report("tick", this.ticks.toString());
    if (this.ticks >= 3) this.setTickPeriod(0);
  }

  onQueueReady(token: u32): void {
    const items = new CollectText();
    drainSharedQueue(token, items, 100);
    report("queue-ready " + token.toString(), items.text + " then " + wasmResultName(lastStatus()));
  }

  onDone(): bool {
    report("root-done", this.id.toString());
    return true;
  }

  onDelete(): void {
    report("root-delete", this.id.toString());
  }

  createStreamContext(id: u32): TcpContext | null {
    return new ProbeConnection(id, this);
  }
}

class ProbeConnection extends TcpContext {
  event(what: string): void {
    log.info("probe conn " + this.id.toString() + " " + what);
  }

  onNewConnection(): u32 {
    const source = getPropertyString(["source", "address"]);
    const dotted = getPropertyString(["source.address"]);
    const cid = getPropertyI64(["connection", "id"], -1);
    this.event("new source=" + (source === null ? "null" : source) + " dotted=" +
      (dotted === null ? "null" : dotted) + " connection.id=" + cid.toString());
    return FilterStatus.Continue;
  }

  onDownstreamData(length: u32, endOfStream: bool): u32 {
    const data = this.getDownstreamData();
    const text = data === null ? "null" : String.UTF8.decode(data, false);
    this.event("downstream len=" + length.toString() + " eos=" + (endOfStream ? "1" : "0") + " data=" + text);
    if (changetype<ProbeRoot>(this.root).upper && data !== null && data.byteLength > 0) {
      const s = this.setBuffer(BufferType.DownstreamData, 0, <u32>data.byteLength, utf8(text.toUpperCase()));
      this.event("set-buffer " + wasmResultName(s));
    }
    return FilterStatus.Continue;
  }

  onUpstreamData(length: u32, endOfStream: bool): u32 {
    this.event("upstream len=" + length.toString() + " eos=" + (endOfStream ? "1" : "0"));
    return FilterStatus.Continue;
  }

  onDownstreamClose(peer: u32): void {
    this.event("downstream-close peer=" + peer.toString());
  }

  onUpstreamClose(peer: u32): void {
    this.event("upstream-close peer=" + peer.toString());
  }

  onDone(): bool {
    this.event("done");
    return true;
  }

  onLog(): void {
    this.event("log");
  }

  onDelete(): void {
    this.event("delete");
  }
}

// Calls every hostcall wrapper once so the binary imports the whole ABI 0.2.1 set (the import
// test then checks every declaration in imports.ts against Envoy's types). Results are ignored:
// most of these are not meaningful in an L4 root context and answer errors, which must not trap.
function touchEveryHostcall(): string {
  const empty = new ArrayBuffer(0);
  let n = 0;
  done(); n++;
  setEffectiveContext(0); n++;
  getStatus(); n++;
  setProperty(["probe"], empty); n++;
  getPropertyBool(["probe"], false); n++;
  getBufferBytes(BufferType.DownstreamData, 0, 1); n++;
  setBufferBytes(BufferType.DownstreamData, 0, 0, empty); n++;
  getBufferSize(BufferType.DownstreamData); n++;
  continueStream(StreamType.HttpRequest); n++;
  closeStream(StreamType.HttpRequest); n++;
  getHeaderMapValue(MapType.HttpRequestHeaders, "x"); n++;
  addHeaderMapValue(MapType.HttpRequestHeaders, "x", "y"); n++;
  replaceHeaderMapValue(MapType.HttpRequestHeaders, "x", "y"); n++;
  removeHeaderMapValue(MapType.HttpRequestHeaders, "x"); n++;
  getHeaderMapPairs(MapType.HttpRequestHeaders); n++;
  setHeaderMapPairs(MapType.HttpRequestHeaders, empty); n++;
  getHeaderMapSize(MapType.HttpRequestHeaders); n++;
  sendLocalResponse(200, "", null, null, -1); n++;
  httpCall("none", empty, null, null, 1); n++;
  grpcCall(utf8("none"), "s", "m", null, null, 1); n++;
  grpcStream(utf8("none"), "s", "m", null); n++;
  grpcSend(0, null, false); n++;
  grpcCancel(0); n++;
  grpcClose(0); n++;
  callForeignFunction("none", null); n++;
  new Histogram("probe.unused").define(); n++;
  if (MetricType.Counter != 0) n = 0;
  return n.toString() + " " + statsLine();
}

registerRootContext("abi_probe", (id: u32): RootContext => new ProbeRoot(id));
