// The Istio manifests in envoy-configs/istio/: every document parses; the Istio resources use only
// fields Istio's CRDs define; every embedded Envoy fragment passes the strict validator against
// Envoy's vendored protos; the Sentinel configuration passes Sentinel's own decoder; the vm_id pairing
// is right per option; and the real build/filter.wasm + build/service.wasm run in the host with the
// configuration each option makes Envoy see (Istio's rendering re-done here from its source).
// Run from anywhere; `npm test` builds build/*.wasm first.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYamlText } from "yaml";
import { loadHostConfig, parseHostConfig, validateMessage } from "../../host/src/config/index.ts";
import type { HostConfig, PluginSpec, SharedStoreApi } from "../../host/src/contracts.ts";
import { Emulator } from "../../host/src/runtime/emulator.ts";
import { SharedStore } from "../../host/src/store/shared-store.ts";
import { decode as sentinelDecode } from "../../sentinel/test/util.ts";
import { checkShape, ENVOY_FILTER_SPEC, ISTIO_POD_ANNOTATIONS, PROXY_CONFIG_SUBSET, WASM_PLUGIN_SPEC } from "./istio-api.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.join(here, "..", "..");
const istioDir = path.join(repoRoot, "envoy-configs", "istio");
const MOUNT_DIR = "/var/local/lib/wasm";
const WASM_CONFIGMAP = "sentinel-wasm";
const BOOTSTRAP_CONFIGMAP = "sentinel-bootstrap";
const BOOTSTRAP_KEY = "custom_bootstrap.json"; // fixed by Istio's injector: ISTIO_BOOTSTRAP_OVERRIDE
const NETWORK_WASM = "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm";
const STRING_VALUE = "type.googleapis.com/google.protobuf.StringValue";
/** Top-level keys of the Sentinel configuration document (sentinel/README.md). */
const SENTINEL_KEYS = ["resource", "flowRules", "isolationRules", "circuitBreakerRules", "stat"];
const SERVICE_QUEUE = "sentinel_reports"; // service/assembly/stats.ts REPORTS_QUEUE

type Obj = Record<string, any>;
interface Doc { file: string; index: number; value: Obj }

const API_VERSIONS: Record<string, string[]> = {
  Service: ["v1"],
  ConfigMap: ["v1"],
  Deployment: ["apps/v1"],
  EnvoyFilter: ["networking.istio.io/v1alpha3"],
  WasmPlugin: ["extensions.istio.io/v1alpha1"],
  Gateway: ["networking.istio.io/v1", "networking.istio.io/v1beta1"],
  VirtualService: ["networking.istio.io/v1", "networking.istio.io/v1beta1"],
};

function manifestFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(istioDir);
  return out.sort();
}

function parseManifests(file: string): Doc[] {
  const rel = path.relative(repoRoot, file);
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8"), { uniqueKeys: true, prettyErrors: false });
  assert.ok(Array.isArray(docs), `${rel}: not a YAML stream`);
  return docs.map((d, index) => {
    assert.deepEqual(d.errors.map((e) => e.message), [], `${rel} document ${index}`);
    const value = d.toJS() as unknown;
    assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), `${rel} document ${index} is not a map`);
    return { file: rel, index, value: value as Obj };
  });
}

const files = manifestFiles();
const docs = files.flatMap(parseManifests);
const where = (d: Doc): string => `${d.file}#${d.index} (${d.value.kind} ${d.value.metadata?.name})`;
const ofKind = (kind: string, dir?: string): Doc[] =>
  docs.filter((d) => d.value.kind === kind && (dir === undefined || d.file.startsWith(`envoy-configs/istio/${dir}/`)));
function one(kind: string, dir?: string): Doc {
  const found = ofKind(kind, dir);
  assert.equal(found.length, 1, `expected one ${kind}${dir ? ` in ${dir}/` : ""}, found ${found.map(where).join(", ") || "none"}`);
  return found[0];
}

/** Envoy's view of envoy.yaml's filter and service: the reference the Istio options must mirror. */
const plain = (() => {
  const cfg = loadHostConfig(path.join(repoRoot, "envoy-configs/envoy.yaml"), { checkFiles: false });
  const f = cfg.listeners[0].filters[0];
  assert.ok(f.kind === "wasm");
  return { filter: f.plugin, service: cfg.wasmServices[0] };
})();

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test("istio/ has the app, both options and the gateway variant", () => {
  const names = files.map((f) => path.relative(istioDir, f));
  for (const expected of ["echo-app.yaml", "option-a-envoyfilter/envoyfilter.yaml", "option-a-envoyfilter/bootstrap-configmap.yaml",
    "option-b-wasmplugin/wasmplugin.yaml", "option-b-wasmplugin/bootstrap-configmap.yaml", "gateway/gateway.yaml"]) {
    assert.ok(names.includes(expected), `${expected} missing; have ${names.join(", ")}`);
  }
});

for (const d of docs) {
  test(`${where(d)} has a known kind, its apiVersion and a name`, () => {
    const allowed = API_VERSIONS[d.value.kind];
    assert.ok(allowed !== undefined, `unexpected kind ${d.value.kind}`);
    assert.ok(allowed.includes(d.value.apiVersion), `apiVersion ${d.value.apiVersion} for ${d.value.kind}; expected ${allowed.join(" or ")}`);
    assert.equal(typeof d.value.metadata?.name, "string");
    assert.equal(typeof d.value.metadata?.namespace, "string", "every object names its namespace, so apply order cannot misplace it");
  });
}

for (const d of ofKind("WasmPlugin")) {
  test(`${where(d)} uses only WasmPlugin fields of istio/api wasm.proto`, () => {
    checkShape(d.value.spec, WASM_PLUGIN_SPEC, "spec");
  });
}
for (const d of ofKind("EnvoyFilter")) {
  test(`${where(d)} uses only EnvoyFilter fields of istio/api envoy_filter.proto`, () => {
    checkShape(d.value.spec, ENVOY_FILTER_SPEC, "spec");
  });
}

// ---- Envoy fragments, strictly, against the vendored Envoy API ------------------------------------

/** Every NETWORK_FILTER patch value in every EnvoyFilter, as envoy.config.listener.v3.Filter. */
const patches = ofKind("EnvoyFilter").flatMap((d) =>
  (d.value.spec.configPatches as Obj[]).map((p, i) => ({ doc: d, patch: p, at: `${where(d)} spec.configPatches[${i}].patch.value` })));

test("every EnvoyFilter patch is a NETWORK_FILTER inserted before tcp_proxy", () => {
  assert.ok(patches.length >= 2);
  for (const { patch, at } of patches) {
    assert.equal(patch.applyTo, "NETWORK_FILTER", at);
    assert.equal(patch.patch.operation, "INSERT_BEFORE", at);
    assert.equal(patch.match.listener.filterChain.filter.name, "envoy.filters.network.tcp_proxy", at);
    assert.ok(patch.match.listener.portNumber > 0, `${at}: a patch without portNumber would hit every TCP chain`);
  }
});

for (const { patch, at } of patches) {
  test(`${at} is a valid envoy.config.listener.v3.Filter`, () => {
    validateMessage("envoy.config.listener.v3.Filter", patch.patch.value, at);
  });
}

const bootstrapMaps = ofKind("ConfigMap").filter((d) => d.value.metadata.name === BOOTSTRAP_CONFIGMAP);

function overrideOf(d: Doc): Obj {
  const raw = d.value.data?.[BOOTSTRAP_KEY];
  assert.equal(typeof raw, "string", `${where(d)} needs data.${BOOTSTRAP_KEY}`);
  return JSON.parse(raw); // the key says .json: keep it JSON, though pilot-agent would take YAML too
}

for (const d of bootstrapMaps) {
  test(`${where(d)} custom bootstrap is a valid envoy.config.bootstrap.v3.Bootstrap the host can load`, () => {
    validateMessage("envoy.config.bootstrap.v3.Bootstrap", overrideOf(d), `${where(d)} data.${BOOTSTRAP_KEY}`);
    const cfg = parseHostConfig(d.value.data[BOOTSTRAP_KEY], where(d), { checkFiles: false });
    assert.equal(cfg.wasmServices.length, 1);
    assert.match(d.value.data[BOOTSTRAP_KEY], /"singleton":\s*true/);
    const svc = cfg.wasmServices[0];
    assert.equal(svc.rootId, plain.service.rootId);
    assert.equal(svc.name, plain.service.name);
    assert.equal(svc.codePath, `${MOUNT_DIR}/service.wasm`);
    assert.equal(text(svc.pluginConfiguration), text(plain.service.pluginConfiguration));
    // Only what Istio's bootstrap lacks: Envoy appends our lists to Istio's (MergeFrom), and a scalar
    // here (admin, use_all_default_tags, ...) would silently replace Istio's own.
    assert.deepEqual(Object.keys(overrideOf(d)).sort(), ["bootstrap_extensions", "stats_config"]);
    assert.deepEqual(Object.keys(overrideOf(d).stats_config), ["stats_tags"]);
  });
}

// ---- Option A: EnvoyFilter + custom bootstrap, vm_id "sentinel" on both ---------------------------

const optionAPatch = patches.find((p) => p.doc.file.startsWith("envoy-configs/istio/option-a-envoyfilter/"));
const gatewayPatch = patches.find((p) => p.doc.file.startsWith("envoy-configs/istio/gateway/"));

function wasmConfigOf(value: Obj): Obj {
  assert.equal(value.typed_config["@type"], NETWORK_WASM);
  return value.typed_config.config;
}

test("option A's filter is envoy.yaml's filter: same name, root_id, vm_id, runtime; code from the mount", () => {
  assert.ok(optionAPatch);
  const c = wasmConfigOf(optionAPatch.patch.patch.value);
  assert.equal(c.name, plain.filter.name);
  assert.equal(c.root_id, plain.filter.rootId);
  assert.equal(c.vm_config.vm_id, plain.filter.vmId);
  assert.equal(c.vm_config.runtime, plain.filter.runtime);
  assert.equal(c.vm_config.code.local.filename, `${MOUNT_DIR}/filter.wasm`);
  assert.equal(c.configuration["@type"], STRING_VALUE);
  assert.equal(c.fail_open ?? false, plain.filter.failOpen, "same failure mode as envoy.yaml");
  const keys = Object.keys(c).sort();
  assert.deepEqual(keys, ["configuration", "name", "root_id", "vm_config"], "nothing envoy.yaml does not set");
});

test("option A pairs filter and service in vm_id \"sentinel\"", () => {
  assert.ok(optionAPatch);
  const filterVm = wasmConfigOf(optionAPatch.patch.patch.value).vm_config.vm_id;
  const serviceVm = overrideOf(one("ConfigMap", "option-a-envoyfilter")).bootstrap_extensions[0].typed_config.config.vm_config.vm_id;
  assert.equal(filterVm, "sentinel");
  assert.equal(serviceVm, filterVm);
});

test("the gateway variant is option A's filter for its own resource, next to option A's service", () => {
  assert.ok(optionAPatch && gatewayPatch);
  const a = wasmConfigOf(optionAPatch.patch.patch.value);
  const g = wasmConfigOf(gatewayPatch.patch.patch.value);
  assert.deepEqual({ ...g, configuration: undefined }, { ...a, configuration: undefined });
  assert.equal(gatewayPatch.patch.match.context, "GATEWAY");
  assert.equal(optionAPatch.patch.match.context, "SIDECAR_INBOUND");
  const gw = one("Gateway", "gateway").value;
  assert.equal(gatewayPatch.patch.match.listener.portNumber, gw.spec.servers[0].port.number);
  assert.equal(gw.spec.servers[0].port.protocol, "TCP");
  assert.deepEqual(gatewayPatch.doc.value.spec.workloadSelector.labels, gw.spec.selector);
  const vs = one("VirtualService", "gateway").value;
  assert.deepEqual(vs.spec.gateways, [gw.metadata.name]);
  const svc = one("Service").value;
  const dest = vs.spec.tcp[0].route[0].destination;
  assert.equal(dest.host, `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
  assert.equal(dest.port.number, svc.spec.ports[0].port);
  const resource = JSON.parse(g.configuration.value).resource;
  assert.notEqual(resource, JSON.parse(a.configuration.value).resource, "gateway and sidecar limits must not share a resource");
});

// ---- Option B: WasmPlugin NETWORK + custom bootstrap, vm_id "" -----------------------------------

const wasmPlugin = one("WasmPlugin", "option-b-wasmplugin");

test("option B's WasmPlugin: NETWORK, pluginName = envoy.yaml's root_id, inbound port 9000, file from the mount", () => {
  const s = wasmPlugin.value.spec;
  assert.equal(s.type, "NETWORK");
  assert.equal(s.pluginName, plain.filter.rootId);
  assert.equal(s.url, `file://${MOUNT_DIR}/filter.wasm`);
  assert.deepEqual(s.match, [{ mode: "SERVER", ports: [{ number: 9000 }] }]);
  assert.deepEqual(s.selector.matchLabels, one("Deployment").value.spec.template.metadata.labels);
  assert.equal(s.failStrategy === "FAIL_OPEN", plain.filter.failOpen, "same failure mode as envoy.yaml");
  assert.equal(s.vmConfig, undefined, "vmConfig has only env; nothing here would set a vm_id");
});

test("option B pairs the WasmPlugin's implicit empty vm_id with a service in vm_id \"\"", () => {
  // WasmPlugin has no vm_id field (checked by the schema test); istiod leaves VmConfig.vm_id unset.
  const service = overrideOf(one("ConfigMap", "option-b-wasmplugin")).bootstrap_extensions[0].typed_config.config;
  assert.equal(service.vm_config.vm_id, "");
  const a = overrideOf(one("ConfigMap", "option-a-envoyfilter")).bootstrap_extensions[0].typed_config.config;
  assert.deepEqual({ ...service, vm_config: { ...service.vm_config, vm_id: "sentinel" } }, a, "otherwise the same service as option A");
});

// ---- The Sentinel configuration ------------------------------------------------------------------

function sentinelDocs(): { at: string; json: string }[] {
  const out: { at: string; json: string }[] = [];
  for (const p of patches) out.push({ at: p.at, json: wasmConfigOf(p.patch.patch.value).configuration.value });
  // Istio sends pluginConfig as the JSON of a protobuf Struct; JSON.stringify is that up to key order
  // and number spelling, which the decoder does not care about.
  out.push({ at: `${where(wasmPlugin)} spec.pluginConfig`, json: JSON.stringify(wasmPlugin.value.spec.pluginConfig) });
  return out;
}

for (const { at, json } of sentinelDocs()) {
  test(`${at} has envoy.yaml's configuration shape and passes Sentinel's decoder`, async () => {
    const reference = JSON.parse(text(plain.filter.pluginConfiguration));
    const doc = JSON.parse(json);
    assert.ok(typeof doc === "object" && doc !== null && !Array.isArray(doc));
    for (const [k, v] of Object.entries(reference)) assert.equal(typeof doc[k], typeof v, `key ${k}`);
    for (const k of Object.keys(doc)) assert.ok(SENTINEL_KEYS.includes(k), `unknown top-level key ${k}`);
    for (const kind of ["flowRules", "isolationRules"]) {
      assert.ok(Array.isArray(doc[kind]) && doc[kind].length > 0, `${kind}: the example should carry rules`);
      for (const r of doc[kind]) assert.equal(r.resource, doc.resource, "rules for the listener's own resource");
    }
    const decoded = await sentinelDecode(json);
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
  });
}

test("options A and B carry the same Sentinel document", () => {
  assert.ok(optionAPatch);
  assert.deepEqual(JSON.parse(wasmConfigOf(optionAPatch.patch.patch.value).configuration.value), wasmPlugin.value.spec.pluginConfig);
});

test("a Struct keeps every number of the pluginConfig exact (doubles; integers below 2^53)", () => {
  const walk = (v: unknown, at: string): void => {
    if (typeof v === "number") assert.ok(Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)), at);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  walk(wasmPlugin.value.spec.pluginConfig, "pluginConfig");
});

// ---- The workload: ports, annotations, mounts --------------------------------------------------

const deployment = one("Deployment");
const annotations = deployment.value.spec.template.metadata.annotations as Record<string, string>;

test("echo Service and Deployment expose port 9000 as plain TCP, the port both options match", () => {
  const svc = one("Service").value;
  assert.equal(svc.spec.ports.length, 1);
  const port = svc.spec.ports[0];
  assert.match(port.name, /^tcp(-|$)/, "Istio picks the protocol from the port name (or appProtocol)");
  assert.equal(port.appProtocol, "tcp");
  assert.equal(port.targetPort, port.port);
  assert.ok(optionAPatch);
  assert.equal(optionAPatch.patch.match.listener.portNumber, port.targetPort, "SIDECAR_INBOUND portNumber is the pod port");
  assert.equal(wasmPlugin.value.spec.match[0].ports[0].number, port.targetPort);
  const containerPorts = deployment.value.spec.template.spec.containers.flatMap((c: Obj) => c.ports.map((p: Obj) => p.containerPort));
  assert.ok(containerPorts.includes(port.targetPort));
  assert.deepEqual(svc.spec.selector, deployment.value.spec.template.metadata.labels);
});

test("pod annotations are Istio's and mount the sentinel-wasm ConfigMap where every code path points", () => {
  for (const k of Object.keys(annotations)) assert.ok(ISTIO_POD_ANNOTATIONS.includes(k), `unexpected annotation ${k}`);
  // Istio's injection template ranges over a JSON object and uses each key as the volume name.
  const volumes = JSON.parse(annotations["sidecar.istio.io/userVolume"]);
  const mounts = JSON.parse(annotations["sidecar.istio.io/userVolumeMount"]);
  assert.deepEqual(Object.keys(mounts), Object.keys(volumes), "one mount per volume, by the same name");
  const [name] = Object.keys(volumes);
  assert.deepEqual(volumes[name], { configMap: { name: WASM_CONFIGMAP } });
  assert.deepEqual(mounts[name], { mountPath: MOUNT_DIR, readOnly: true });
  assert.equal(annotations["sidecar.istio.io/bootstrapOverride"], BOOTSTRAP_CONFIGMAP);
  // Every option ships the ConfigMap the annotation names, in the pod's namespace.
  for (const dir of ["option-a-envoyfilter", "option-b-wasmplugin"]) {
    const cm = one("ConfigMap", dir).value;
    assert.equal(cm.metadata.name, BOOTSTRAP_CONFIGMAP);
    assert.equal(cm.metadata.namespace, deployment.value.metadata.namespace);
  }
  // Code paths: kubectl create configmap --from-file=build/X.wasm makes key X.wasm, a file in the mount.
  const codePaths = [
    ...patches.map((p) => wasmConfigOf(p.patch.patch.value).vm_config.code.local.filename),
    wasmPlugin.value.spec.url.replace(/^file:\/\//, ""),
    ...bootstrapMaps.map((d) => overrideOf(d).bootstrap_extensions[0].typed_config.config.vm_config.code.local.filename),
  ];
  for (const p of codePaths) {
    assert.equal(path.posix.dirname(p), MOUNT_DIR, p);
    assert.ok(["filter.wasm", "service.wasm"].includes(path.posix.basename(p)), `${p} is not a build output`);
  }
  assert.equal(codePaths.filter((p) => p.endsWith("/service.wasm")).length, bootstrapMaps.length, "services run service.wasm, filters filter.wasm");
});

test("proxy.istio.io/config lets wasmcustom.sentinel.* stats through Istio's stats inclusion list", () => {
  const proxyConfig = parseYamlText(annotations["proxy.istio.io/config"]);
  checkShape(proxyConfig, PROXY_CONFIG_SUBSET, "proxy.istio.io/config");
  const prefixes: string[] = proxyConfig.proxyStatsMatcher.inclusionPrefixes;
  // Envoy shows a Wasm metric `sentinel.<module>.<event>` as `wasmcustom.sentinel.<module>.<event>`.
  for (const stat of ["wasmcustom.sentinel.filter.cx_total", "wasmcustom.sentinel.service.reports_received",
    "wasmcustom.sentinel.flow.pass_resource=tcp:echo;"]) {
    assert.ok(prefixes.some((p) => stat.startsWith(p)), `${stat} would be dropped`);
  }
  assert.ok(!prefixes.some((p) => "wasmcustom.other_plugin.x".startsWith(p)), "only our stats, not every plugin's");
});

test("both .wasm files fit one ConfigMap (1 MiB, binaryData is base64)", (t) => {
  const sizes = ["filter.wasm", "service.wasm"].map((f) => path.join(repoRoot, "build", f));
  if (!sizes.every((p) => fs.existsSync(p))) return t.skip("build/*.wasm missing: run node scripts/build.mjs");
  const total = sizes.reduce((n, p) => n + Math.ceil(fs.statSync(p).size / 3) * 4, 0);
  assert.ok(total < 1 << 20, `${total} bytes of base64`);
});

// ---- What Envoy runs: Istio's rendering, then the real modules in the host ---------------------------

const buildDir = path.join(repoRoot, "build");
function localCode(p: string): string {
  assert.ok(p.startsWith(`${MOUNT_DIR}/`), p);
  const local = path.join(buildDir, path.posix.basename(p));
  if (!fs.existsSync(local)) throw new Error(`${local} is missing: run \`node scripts/build.mjs\` first`);
  return local;
}

/**
 * The Wasm network filter istiod generates for a WasmPlugin (pilot/pkg/model/wasm.go
 * buildPluginConfig, istio/istio): name "<ns>.<name>", root_id = pluginName, configuration =
 * StringValue(JSON of pluginConfig) only when non-empty, runtime v8, local code for file://, the
 * resource-version env var, NO vm_id. failStrategy goes to fail_open here, as for proxies before 1.25
 * (newer ones get failure_policy, which the vendored Envoy API predates).
 */
function renderWasmPlugin(d: Doc): Obj {
  const s = d.value.spec;
  const config: Obj = {
    name: `${d.value.metadata.namespace}.${d.value.metadata.name}`,
    root_id: s.pluginName,
    vm_config: {
      runtime: "envoy.wasm.runtime.v8",
      code: { local: { filename: String(s.url).replace(/^file:\/\//, "") } },
      environment_variables: { key_values: { ISTIO_META_WASM_PLUGIN_RESOURCE_VERSION: "1" } },
    },
    fail_open: s.failStrategy === "FAIL_OPEN",
  };
  if (s.pluginConfig && Object.keys(s.pluginConfig).length > 0) {
    config.configuration = { "@type": STRING_VALUE, value: JSON.stringify(s.pluginConfig) };
  }
  return { name: `extensions.istio.io/wasmplugin/${config.name}`, typed_config: { "@type": NETWORK_WASM, config } };
}

/**
 * A sidecar-like bootstrap: one inbound chain [filter, tcp_proxy] as Istio builds it for port 9000
 * (after the EnvoyFilter's INSERT_BEFORE, or with the ECDS-delivered filter), plus the custom
 * bootstrap appended as Envoy's MergeFrom does; code paths moved from the pod mount to build/.
 */
function sidecarConfig(filter: Obj, override: Obj): HostConfig {
  const chain: Obj[] = [{
    name: "envoy.filters.network.tcp_proxy",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", stat_prefix: "inbound|9000||", cluster: "inbound|9000||" },
  }];
  const at = chain.findIndex((f) => f.name === "envoy.filters.network.tcp_proxy");
  chain.splice(at, 0, structuredClone(filter));
  const merged: Obj = {
    static_resources: {
      listeners: [{ name: "virtualInbound", address: { socket_address: { address: "127.0.0.1", port_value: 15006 } }, filter_chains: [{ filters: chain }] }],
      clusters: [{
        name: "inbound|9000||", type: "STATIC", connect_timeout: "10s",
        load_assignment: { cluster_name: "inbound|9000||", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 9000 } } } }] }] },
      }],
    },
    ...structuredClone(override),
  };
  for (const f of chain) if (f.typed_config["@type"] === NETWORK_WASM) f.typed_config.config.vm_config.code.local.filename = localCode(f.typed_config.config.vm_config.code.local.filename);
  for (const e of merged.bootstrap_extensions) e.typed_config.config.vm_config.code.local.filename = localCode(e.typed_config.config.vm_config.code.local.filename);
  return parseHostConfig(JSON.stringify(merged), "<sidecar>", { checkFiles: true });
}

interface SidecarRun { filter: PluginSpec; service: PluginSpec; emu: Emulator; writes: { vmId: string; key: string }[] }

/** The real shared store, recording every shared-data write with the vm_id it lands in. */
function recordingStore(writes: { vmId: string; key: string }[]): SharedStoreApi {
  const inner = SharedStore.create({ bytes: 1 << 22 });
  return new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop === "setData") {
        return (vmId: string, key: string, value: Uint8Array, cas: number) => {
          writes.push({ vmId, key });
          return target.setData(vmId, key, value, cas);
        };
      }
      return v.bind(target);
    },
  });
}

async function runSidecar(cfg: HostConfig, logs: string[] = []): Promise<SidecarRun> {
  const f = cfg.listeners[0].filters[0];
  assert.ok(f.kind === "wasm");
  const writes: { vmId: string; key: string }[] = [];
  // Two workers like Istio's sidecar default (concurrency 2); create() throws if any VM refuses its config.
  const emu = await Emulator.create({ config: cfg, workers: 2, store: recordingStore(writes), logSink: (e) => logs.push(e.line) });
  const conns = [emu.connect({ worker: 1 }), emu.connect({ worker: 2 })];
  conns[0].downstreamData("ping\n");
  assert.equal(conns[0].upstreamText(), "ping\n", "an admitted connection reaches the app");
  for (const c of conns) c.clientClose();
  // Long enough for the filters' reports and the service's aggregation (ticks are tens of ms).
  emu.advanceTime(500);
  return { filter: f.plugin, service: cfg.wasmServices[0], emu, writes };
}

/** Both modules wrote shared data, all of it in `vmId`, every key under the `sentinel` prefix. */
function assertSharedDataIn(writes: { vmId: string; key: string }[], vmId: string): void {
  assert.ok(new Set(writes.map((w) => w.key)).size >= 2, `too few shared-data writes to judge: ${JSON.stringify(writes)}`);
  for (const w of writes) {
    assert.equal(w.vmId, vmId, `${w.key} written in vm_id ${JSON.stringify(w.vmId)}`);
    assert.ok(w.key.startsWith("sentinel"), `${w.key}: keys in a shared vm_id namespace need the sentinel prefix`);
  }
}

test("option A in the host: both modules accept their configuration; queue and shared data in vm_id \"sentinel\"", async () => {
  assert.ok(optionAPatch);
  validateMessage("envoy.config.listener.v3.Filter", optionAPatch.patch.patch.value, "option A filter");
  const { filter, service, emu, writes } = await runSidecar(sidecarConfig(optionAPatch.patch.patch.value, overrideOf(one("ConfigMap", "option-a-envoyfilter"))));
  try {
    assert.equal(filter.vmId, "sentinel");
    assert.equal(service.vmId, filter.vmId);
    assert.equal(emu.metric("wasmcustom.sentinel.filter.cx_total"), 2n);
    assert.notEqual(emu.queueSize("sentinel", SERVICE_QUEUE), undefined, "the filter resolves it with vm_id \"\" = its own");
    assert.equal(emu.queueSize("", SERVICE_QUEUE), undefined);
    assertSharedDataIn(writes, "sentinel");
  } finally {
    emu.shutdown();
  }
});

test("option B in the host: the rendered WasmPlugin filter and the vm_id \"\" service; queue and sentinel-prefixed shared data in \"\"", async () => {
  const rendered = renderWasmPlugin(wasmPlugin);
  validateMessage("envoy.config.listener.v3.Filter", rendered, "option B filter as istiod renders it");
  const { filter, service, emu, writes } = await runSidecar(sidecarConfig(rendered, overrideOf(one("ConfigMap", "option-b-wasmplugin"))));
  try {
    assert.equal(filter.vmId, "");
    assert.equal(filter.rootId, plain.filter.rootId);
    assert.equal(filter.name, "sentinel-demo.sentinel-filter");
    assert.equal(service.vmId, filter.vmId);
    assert.equal(emu.metric("wasmcustom.sentinel.filter.cx_total"), 2n);
    assert.notEqual(emu.queueSize("", SERVICE_QUEUE), undefined);
    assert.equal(emu.queueSize("sentinel", SERVICE_QUEUE), undefined);
    assertSharedDataIn(writes, "");
  } finally {
    emu.shutdown();
  }
});

test("the WasmPlugin with option A's service (vm_id \"sentinel\") splits shared data over two namespaces", async () => {
  const { emu, writes } = await runSidecar(sidecarConfig(renderWasmPlugin(wasmPlugin), overrideOf(one("ConfigMap", "option-a-envoyfilter"))));
  try {
    // The queue still works across vm_ids (resolved by name), so this mistake fails quietly: the
    // filter never sees what the service writes, and the reverse.
    const spaces = new Set(writes.map((w) => w.vmId));
    assert.deepEqual([...spaces].sort(), ["", "sentinel"], JSON.stringify(writes));
  } finally {
    emu.shutdown();
  }
});

test("a WasmPlugin whose pluginName is not a registered root_id is refused by the real module", async () => {
  const wrong = structuredClone(wasmPlugin);
  wrong.value.spec.pluginName = "sentinel";
  const logs: string[] = [];
  await assert.rejects(
    () => runSidecar(sidecarConfig(renderWasmPlugin(wrong), overrideOf(one("ConfigMap", "option-b-wasmplugin"))), logs),
    (err: Error) => err.name === "ConfigRejected");
  const line = logs.find((l) => l.includes('no root context registered for root_id "sentinel"'));
  assert.ok(line, logs.join("\n"));
  assert.match(line, new RegExp(`registers: "${wasmPlugin.value.spec.pluginName}"`), "and the real pluginName is what it registers");
});
