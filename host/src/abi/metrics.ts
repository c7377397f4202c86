// Metrics (docs §7). Ids are per VM (4/5/6, stepping by 4); the stat itself is process-wide in the
// SharedStore under "wasmcustom.<name>", so every VM defining a name adds to one value.
import { MetricKind, Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

const U64_MAX = (1n << 64n) - 1n;
/** Wasm::kMetricTypeMask */
const KIND_MASK = 3;

export const metricFns: HostFnDef[] = [
  envFn("proxy_define_metric", "iiii", "i", (h, kind: number, namePtr: number, nameLen: number, idPtr: number) => {
    const name = h.readString(namePtr, nameLen);
    if (name === undefined) return Status.InvalidMemoryAccess;
    if (kind > MetricKind.Histogram) return Status.BadArgument;
    const id = h.metrics.define(kind, name);
    if (id === undefined) return Status.BadArgument;
    return h.writeU32(idPtr, id) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  // Envoy derives the kind from the id's low two bits before looking the id up (context.cc), so an
  // unknown id answers by its bits: NotFound for counter/gauge ids, BadArgument otherwise.
  envFn("proxy_increment_metric", "iI", "i", (h, id: number, offset: bigint) => {
    const kind = id & KIND_MASK;
    if (kind !== MetricKind.Counter && kind !== MetricKind.Gauge) return Status.BadArgument;
    const m = h.metrics.lookup(id);
    if (!m) return Status.NotFound;
    if (kind === MetricKind.Counter) {
      if (offset <= 0n) return Status.BadArgument;
      h.env.store.counterAdd(m.stat, offset);
    } else {
      h.env.store.gaugeAdd(m.stat, offset);
    }
    return Status.Ok;
  }),
  envFn("proxy_record_metric", "iI", "i", (h, id: number, value: bigint) => {
    const m = h.metrics.lookup(id);
    if (!m) return Status.NotFound;
    const v = value >= 0n ? value : BigInt.asUintN(64, value); // the ABI passes a uint64 (no second BigInt in the common case)
    const store = h.env.store;
    if (m.kind === MetricKind.Counter) store.counterAdd(m.stat, v);
    else if (m.kind === MetricKind.Gauge) store.gaugeSet(m.stat, v);
    else store.histogramRecord(m.stat, Number(v));
    return Status.Ok;
  }),
  envFn("proxy_get_metric", "ii", "i", (h, id: number, resultPtr: number) => {
    const kind = id & KIND_MASK;
    if (kind !== MetricKind.Counter && kind !== MetricKind.Gauge) return Status.BadArgument;
    const m = h.metrics.lookup(id);
    if (!m) return Status.NotFound;
    const v = h.env.store.metricValue(m.stat) & U64_MAX;
    return h.writeU64(resultPtr, v) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
];
