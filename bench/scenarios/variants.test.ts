import { test } from "node:test";
import assert from "node:assert/strict";
import { unreachableRules, UNREACHABLE } from "./variants.ts";

test("unreachableRules raises flow and isolation thresholds and keeps everything else", () => {
  const doc = JSON.parse(unreachableRules(JSON.stringify({
    resource: "tcp:echo",
    flowRules: [{ resource: "tcp:echo", threshold: 1000, statIntervalInMs: 1000 }],
    isolationRules: [{ resource: "tcp:echo", threshold: 500 }],
    circuitBreakerRules: [{ resource: "tcp:echo", strategy: 1, threshold: 0.5 }],
  })));
  assert.equal(doc.flowRules[0].threshold, UNREACHABLE.flow);
  assert.equal(doc.flowRules[0].statIntervalInMs, 1000);
  assert.equal(doc.isolationRules[0].threshold, UNREACHABLE.isolation);
  assert.equal(doc.circuitBreakerRules[0].threshold, 0.5);
  assert.equal(unreachableRules("{}"), "{}");
});
