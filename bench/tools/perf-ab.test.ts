import { test } from "node:test";
import assert from "node:assert/strict";
import { jitKind, parsePerfReport } from "./perf-ab.ts";

test("parsePerfReport reads perf's sample,dso,sym lines and folds every JIT tid into one [JIT] object", () => {
  const text = [
    "# Samples: 17K of event 'cpu-clock'",
    "#",
    "            4276  [kernel.kallsyms]  [k] _raw_spin_unlock_irqrestore",
    "             649  node               [.] v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>",
    "              87  [JIT] tid 16673    [.] JS:abi/assembly/dispatcher/proxy_on_downstream_data-284-turbofan",
    "              12  [JIT] tid 16673    [.] JS:*'onStreamRead node:internal/stream_base_commons:166:22",
    "",
  ].join("\n");
  assert.deepEqual(parsePerfReport(text), [
    { samples: 4276, dso: "[kernel.kallsyms]", symbol: "_raw_spin_unlock_irqrestore" },
    { samples: 649, dso: "node", symbol: "v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>" },
    { samples: 87, dso: "[JIT]", symbol: "JS:abi/assembly/dispatcher/proxy_on_downstream_data-284-turbofan" },
    { samples: 12, dso: "[JIT]", symbol: "JS:*'onStreamRead node:internal/stream_base_commons:166:22" },
  ]);
});

test("jitKind tells wasm tiers and wrappers from JS by V8's perf-map names", () => {
  assert.equal(jitKind("JS:wasm-function[279]-279-liftoff"), "wasm-liftoff");
  assert.equal(jitKind("JS:filter/assembly/filter/FilterRoot#decide-270-turbofan"), "wasm-turbofan");
  assert.equal(jitKind("JS:wasm-to-js-<anonymous>-none"), "wasm-wrapper");
  assert.equal(jitKind("JS:js-to-wasm:iii:i"), "wasm-wrapper");
  assert.equal(jitKind("JS:*'invoke file:///work/main/host/src/runtime/vm.ts:221:3"), "js");
  assert.equal(jitKind("JS:+'onconnection node:net:2189:22"), "js");
});
