// Every config shipped in envoy-configs/ loads strictly (schema, supported subset, references, code
// files built by `npm run build`), and every invalid example in fixtures/ fails with the path it
// announces in its header. Run from the repository root, as the configs' relative .wasm paths require.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError, loadHostConfig } from "../../host/src/config/index.ts";
import type { HostConfig } from "../../host/src/contracts.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const configsDir = path.join(here, "..");
const repoRoot = path.join(configsDir, "..");
const fixturesDir = path.join(here, "fixtures");

/**
 * YAML files under envoy-configs/, except the test folder (fixtures are invalid on purpose) and
 * istio/ (Kubernetes manifests, checked by istio.test.ts).
 */
function shippedConfigs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== here && p !== path.join(configsDir, "istio")) walk(p);
      } else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(configsDir);
  return out.sort();
}

function inRepoRoot<T>(fn: () => T): T {
  const before = process.cwd();
  process.chdir(repoRoot);
  try {
    return fn();
  } finally {
    process.chdir(before);
  }
}

const configs = shippedConfigs();

test("envoy-configs has the main config and the no-filter baseline", () => {
  const names = configs.map((p) => path.relative(configsDir, p));
  assert.ok(names.includes("envoy.yaml"), names.join(", "));
  assert.ok(names.includes("no-filter.yaml"), names.join(", "));
});

function wasmFilters(cfg: HostConfig) {
  return cfg.listeners.flatMap((l) => l.filters.flatMap((f) => (f.kind === "wasm" ? [f.plugin] : [])));
}

for (const file of configs) {
  const name = path.relative(repoRoot, file);
  test(`${name} loads strictly, code files included`, () => {
    const cfg = inRepoRoot(() => loadHostConfig(name));
    assert.ok(cfg.listeners.length > 0, "no listeners");
    const filters = wasmFilters(cfg);
    const raw = fs.readFileSync(file, "utf8");
    if (filters.length === 0) {
      assert.equal(cfg.wasmServices.length, 0, "a service without a filter has no one to serve");
      return;
    }
    // The filter talks to the service through shared data and queues, which are scoped by vm_id.
    assert.equal(cfg.wasmServices.length, 1, "a config with the filter needs the service");
    const service = cfg.wasmServices[0];
    for (const f of filters) assert.equal(f.vmId, service.vmId, `filter ${f.rootId} and service ${service.rootId} must share a vm_id`);
    // The loader refuses non-singleton services; check the file says so too, not just a default.
    assert.match(raw, /singleton:\s*true/);
    assert.notEqual(service.rootId, "", "the service needs its own root_id");
    for (const f of filters) assert.notEqual(f.rootId, service.rootId, "filter and service need different root_ids");
  });
}

test("envoy.yaml is the main scenario: sentinel_tcp -> wasm -> tcp_proxy -> echo_upstream", () => {
  const cfg = inRepoRoot(() => loadHostConfig("envoy-configs/envoy.yaml"));
  const l = cfg.listeners[0];
  assert.equal(l.name, "sentinel_tcp");
  assert.deepEqual(l.address, { address: "127.0.0.1", port: 10000 });
  assert.equal(l.filters.length, 2);
  const [wasm, proxy] = l.filters;
  assert.ok(wasm.kind === "wasm");
  assert.equal(wasm.plugin.rootId, "sentinel_filter");
  assert.equal(wasm.plugin.vmId, "sentinel");
  assert.equal(wasm.plugin.codePath, path.join(repoRoot, "build/filter.wasm"));
  const filterDoc = JSON.parse(new TextDecoder().decode(wasm.plugin.pluginConfiguration));
  assert.equal(filterDoc.resource, "tcp:echo");
  for (const kind of ["flowRules", "isolationRules"]) assert.equal(filterDoc[kind][0].resource, "tcp:echo", kind);
  assert.deepEqual(proxy, { kind: "tcp_proxy", statPrefix: "echo", cluster: "echo_upstream" });
  assert.deepEqual(cfg.clusters, [{ name: "echo_upstream", connectTimeoutMs: 1000, endpoints: [{ address: "127.0.0.1", port: 10001 }] }]);
  const svc = cfg.wasmServices[0];
  assert.equal(svc.rootId, "sentinel_service");
  assert.equal(svc.codePath, path.join(repoRoot, "build/service.wasm"));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(svc.pluginConfiguration)), { tickPeriodMs: 250 }, "no rules of its own; a 250 ms heartbeat");
  assert.deepEqual(cfg.admin, { address: "127.0.0.1", port: 9901 });
  assert.equal(cfg.useAllDefaultTags, false);
});

test("envoy.yaml's resource tag regex extracts the documented stat-name segment", () => {
  const cfg = inRepoRoot(() => loadHostConfig("envoy-configs/envoy.yaml"));
  assert.equal(cfg.statsTags.length, 1);
  const { tagName, regex } = cfg.statsTags[0];
  assert.equal(tagName, "resource");
  // Envoy's rule: the first group is cut from the name, the second is the tag value.
  const m = new RegExp(regex).exec("wasmcustom.sentinel.flow.pass_resource=tcp:echo;");
  assert.ok(m !== null && m.length >= 3);
  assert.equal(m[2], "tcp:echo");
  assert.equal("wasmcustom.sentinel.flow.pass_resource=tcp:echo;".replace(m[1], ""), "wasmcustom.sentinel.flow.pass");
  assert.equal(new RegExp(regex).exec("wasmcustom.sentinel.internal_error"), null);
});

test("no-filter.yaml is envoy.yaml's listener and cluster without any Wasm", () => {
  const [main, bare] = inRepoRoot(() => [loadHostConfig("envoy-configs/envoy.yaml"), loadHostConfig("envoy-configs/no-filter.yaml")]);
  assert.deepEqual(bare.listeners[0].address, main.listeners[0].address);
  assert.equal(bare.listeners[0].name, main.listeners[0].name);
  assert.deepEqual(bare.listeners[0].filters, main.listeners[0].filters.filter((f) => f.kind === "tcp_proxy"));
  assert.deepEqual(bare.clusters, main.clusters);
  assert.deepEqual(bare.wasmServices, []);
  assert.deepEqual(bare.admin, main.admin);
});

interface Fixture { file: string; expectPath: string; expectMessage: string }

function fixtures(): Fixture[] {
  return fs.readdirSync(fixturesDir).filter((f) => f.endsWith(".yaml")).sort().map((f) => {
    const text = fs.readFileSync(path.join(fixturesDir, f), "utf8");
    const expectPath = /^# expect-path: (.*)$/m.exec(text)?.[1];
    const expectMessage = /^# expect-message: (.*)$/m.exec(text)?.[1];
    assert.ok(expectPath !== undefined && expectMessage !== undefined, `${f} lacks its expect-path / expect-message header`);
    return { file: f, expectPath, expectMessage };
  });
}

const invalid = fixtures();

test("fixtures/ holds invalid examples", () => {
  assert.ok(invalid.length >= 5, `only ${invalid.length} fixtures`);
});

for (const fx of invalid) {
  test(`fixtures/${fx.file} is refused at ${fx.expectPath}`, () => {
    const rel = path.relative(repoRoot, path.join(fixturesDir, fx.file));
    assert.throws(() => inRepoRoot(() => loadHostConfig(rel)), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.fieldPath, fx.expectPath, err.message);
      assert.ok(err.message.includes(fx.expectMessage), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(fx.expectMessage)}`);
      return true;
    });
  });
}

// Real Envoy is the final judge when it is installed (it is not, on the machines this was written on).
const envoy = spawnSync("envoy", ["--version"], { encoding: "utf8" });
const envoyMissing = envoy.error !== undefined || envoy.status !== 0;
for (const file of configs) {
  const name = path.relative(repoRoot, file);
  test(`envoy --mode validate accepts ${name}`, { skip: envoyMissing ? "no envoy binary on PATH" : false }, () => {
    execFileSync("envoy", ["--mode", "validate", "-c", name], { cwd: repoRoot, stdio: "pipe", timeout: 30_000 });
  });
}
