import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHostConfig } from "./config/index.ts";
import { DEFAULT_PORTS, mainJobPorts, scenarioWithPorts } from "./main-job-ports.ts";

const ENVOY_YAML = join(fileURLToPath(import.meta.url), "..", "..", "..", "envoy-configs", "envoy.yaml");

test("mainJobPorts keeps the README's ports unless MAIN_JOB_*_PORT moves them", () => {
  assert.deepEqual(mainJobPorts({}), { listener: 10000, upstream: 10001, admin: 9901, moved: false });
  assert.deepEqual(mainJobPorts({ MAIN_JOB_LISTENER_PORT: "" }), { ...DEFAULT_PORTS, moved: false });
  assert.deepEqual(mainJobPorts({ MAIN_JOB_ADMIN_PORT: "20001", MAIN_JOB_UPSTREAM_PORT: "20002" }),
    { listener: 10000, upstream: 20002, admin: 20001, moved: true });
});

test("mainJobPorts names a bad value", () => {
  assert.throws(() => mainJobPorts({ MAIN_JOB_LISTENER_PORT: "10x" }), /MAIN_JOB_LISTENER_PORT: .*got '10x'/);
  assert.throws(() => mainJobPorts({ MAIN_JOB_ADMIN_PORT: "70000" }), /MAIN_JOB_ADMIN_PORT/);
  assert.throws(() => mainJobPorts({ MAIN_JOB_UPSTREAM_PORT: "0" }), /MAIN_JOB_UPSTREAM_PORT/);
});

test("scenarioWithPorts moves every port of envoy.yaml and changes nothing else", () => {
  const text = readFileSync(ENVOY_YAML, "utf8");
  const moved = scenarioWithPorts(text, { listener: 21000, upstream: 21001, admin: 21002, moved: true });
  const before = parseHostConfig(text, "envoy.yaml", { checkFiles: false });
  const after = parseHostConfig(moved, "envoy.yaml", { checkFiles: false });
  assert.deepEqual(after.admin, { address: "127.0.0.1", port: 21002 });
  assert.equal(after.listeners.length, 1);
  assert.deepEqual(after.listeners[0].address, { address: "127.0.0.1", port: 21000 });
  assert.ok(after.clusters.every((c) => c.endpoints.every((e) => e.port === 21001)));
  // with the ports put back, the config is the same one
  after.admin = before.admin;
  after.listeners[0].address = before.listeners[0].address;
  after.clusters.forEach((c, i) => { c.endpoints = before.clusters[i].endpoints; });
  assert.deepEqual(after, before);
  assert.match(moved, /^# /, "comments are kept");
});

test("scenarioWithPorts refuses a file that is not the one-listener scenario", () => {
  const ports = { listener: 1, upstream: 2, admin: 3, moved: true };
  assert.throws(() => scenarioWithPorts("static_resources: {}\n", ports), /admin\.address\.socket_address\.port_value is missing/);
  assert.throws(() => scenarioWithPorts(
    "admin: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }\nstatic_resources: { listeners: [] }\n", ports),
  /exactly one listener/);
});
