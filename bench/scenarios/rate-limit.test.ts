import { test } from "node:test";
import assert from "node:assert/strict";
import YAML from "yaml";
import { wallClockIntervals, overloadedIntervals, rateLimitSchedule, rateLimitSettings, rateLimitYaml } from "./rate-limit.ts";
import type { IntervalReport } from "../lib/load-client.ts";

const ENVOY = `
static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.wasm
        typed_config:
          config:
            configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: '{"resource":"tcp:echo","tickPeriodMs":20,"flowRules":[{"resource":"tcp:echo","threshold":1000}],"isolationRules":[{"resource":"tcp:echo","threshold":500}],"circuitBreakerRules":[{"resource":"tcp:echo","strategy":1,"threshold":0.5}]}' }
      - name: envoy.filters.network.tcp_proxy
        typed_config: { stat_prefix: echo, cluster: c }
bootstrap_extensions:
- name: envoy.bootstrap.wasm
  typed_config:
    config:
      configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: '{}' }
`;

test("rate-limit config: the scenario's flow rule replaces the shipped rules, in the filter and (without filter-only keys) in the service", () => {
  const { yaml, resource } = rateLimitYaml(ENVOY, 250, false);
  assert.equal(resource, "tcp:echo");
  const doc = YAML.parse(yaml);
  const filterDoc = JSON.parse(doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config.configuration.value);
  assert.deepEqual(filterDoc, { resource: "tcp:echo", tickPeriodMs: 20, flowRules: [{ resource: "tcp:echo", threshold: 250, statIntervalInMs: 1000 }] });
  const serviceDoc = JSON.parse(doc.bootstrap_extensions[0].typed_config.config.configuration.value);
  assert.deepEqual(serviceDoc, { resource: "tcp:echo", flowRules: [{ resource: "tcp:echo", threshold: 250, statIntervalInMs: 1000 }] });
});

test("naive config: no service, each worker enforces the whole threshold locally", () => {
  const doc = YAML.parse(rateLimitYaml(ENVOY, 100, true).yaml);
  assert.equal(doc.bootstrap_extensions, undefined);
  const filterDoc = JSON.parse(doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config.configuration.value);
  assert.equal(filterDoc.fallback, "local");
  assert.equal(filterDoc.workers, 1);
});

test("schedule: half the threshold, then 3x, then half again; only whole intervals inside the 3x part count", () => {
  const s = { ...rateLimitSettings(true), belowMs: 2000, overMs: 3000, afterMs: 2000 };
  const sch = rateLimitSchedule(s);
  assert.equal(sch, "100@2000ms,600@3000ms,100@2000ms");
  const iv = (tMs: number, intervalMs = 1000) => ({ tMs, intervalMs }) as IntervalReport;
  const got = overloadedIntervals([iv(1000), iv(2000), iv(3000), iv(4000), iv(5000), iv(6000), iv(7000), iv(7010, 10)], sch, 200);
  assert.deepEqual(got.map((x) => x.tMs), [3000, 4000, 5000]);
});

test("--skew and --workers: parsed for rate-limit/naive, bad values and other scenarios refused", async () => {
  const { parseRunArgs } = await import("../run.ts");
  assert.deepEqual(parseRunArgs(["rate-limit", "--workers", "4", "--skew", "0.9"]), { quick: false, scenario: "rate-limit", workers: 4, skew: 0.9 });
  assert.equal(parseRunArgs(["naive", "--skew", "uniform"]).skew, "uniform");
  assert.throws(() => parseRunArgs(["rate-limit", "--skew", "1.2"]), /--skew needs "uniform" or the hot worker's share 0..1, got "1.2"/);
  assert.throws(() => parseRunArgs(["rate-limit", "--skew", ""]), /--skew needs/);
  assert.throws(() => parseRunArgs(["overhead", "--skew", "0.9"]), /for rate-limit, naive only/);
});

test("skew report: requested next to achieved shares from the per-worker listener counters", async () => {
  const { skewReport, workerConnections } = await import("./rate-limit-skew.ts");
  const delta = new Map([["listener.127.0.0.1_9.worker_0.downstream_cx_total", 880], ["listener.127.0.0.1_9.worker_1.downstream_cx_total", 120], ["listener.127.0.0.1_9.downstream_cx_total", 1000]]);
  const got = workerConnections(delta, "listener.127.0.0.1_9", 2);
  assert.deepEqual(got, [880, 120]);
  const setup = { requested: { mode: "skew" as const, hotWorker: 0, skew: 0.9, shares: [0.9, 0.1] }, planFile: "x", calibration: {} as never };
  const r = skewReport(setup, got, { offeredByWorker: [900, 100] });
  assert.deepEqual(r.achieved, { connections: [880, 120], shares: [0.88, 0.12] });
  assert.equal((r as { maxShareError: number }).maxShareError, 0.02);
  assert.equal(skewReport(null, got).mode, "kernel");
});

test("wall-clock seconds: placed on the schedule, only whole seconds above the threshold count as overloaded", () => {
  const w = { bucketMs: 1000, firstEpochMs: 1_000_000, offered: [100, 300, 300, 100], admitted: [100, 200, 200, 100] };
  const ivs = wallClockIntervals(w, 1_000_001, "100@1s,300@2s,100@1s", 200);
  assert.deepEqual(ivs.map((x) => [x.startMs, x.overloaded]), [[-1, false], [999, true], [1999, true], [2999, false]]);
  assert.deepEqual(wallClockIntervals(undefined, 0, "100@1s", 200), []);
});
