// The parts of Istio's CRD schemas our manifests use, written down from istio/api at commit
// b8f8791d9653b2edc77a071d48887e582cfe84bf (2026-07-21) so the tests can refuse a misspelt or
// misplaced field the way the Kubernetes API server (strict field validation) would. Field names are
// the protobuf JSON names the CRDs use (lowerCamelCase). Only `pluginConfig` and `patch.value` are
// free-form (the CRDs mark them preserveUnknownFields); `patch.value` is checked against Envoy's own
// protos elsewhere.

export type Shape =
  | "string" | "uint32" | "int32" | "bool"
  | "object" // any JSON object (free-form, or a part of the API our manifests never use)
  | { enum: readonly string[] }
  | { message: { readonly [field: string]: Shape } }
  | { list: Shape }
  | { map: Shape };

const stringMap: Shape = { map: "string" };

// type/v1beta1/selector.proto
const policyTargetReference: Shape = { message: { group: "string", kind: "string", name: "string", namespace: "string" } };
const workloadSelectorV1beta1: Shape = { message: { matchLabels: stringMap } };
const portSelector: Shape = { message: { number: "uint32" } };
const workloadMode: Shape = { enum: ["UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"] };

/** extensions/v1alpha1/wasm.proto, message WasmPlugin (every field, hidden ones included). */
export const WASM_PLUGIN_SPEC: Shape = {
  message: {
    selector: workloadSelectorV1beta1,
    targetRef: policyTargetReference,
    targetRefs: { list: policyTargetReference },
    url: "string",
    sha256: "string",
    imagePullPolicy: { enum: ["UNSPECIFIED_POLICY", "IfNotPresent", "Always"] },
    imagePullSecret: "string",
    verificationKey: "string",
    pluginConfig: "object",
    pluginName: "string",
    phase: { enum: ["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"] },
    priority: "int32",
    failStrategy: { enum: ["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"] },
    vmConfig: {
      message: {
        env: { list: { message: { name: "string", valueFrom: { enum: ["INLINE", "HOST"] }, value: "string" } } },
      },
    },
    match: { list: { message: { mode: workloadMode, ports: { list: portSelector } } } },
    type: { enum: ["UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"] },
  },
};

/** networking/v1alpha3/envoy_filter.proto, message EnvoyFilter. */
export const ENVOY_FILTER_SPEC: Shape = {
  message: {
    // networking/v1alpha3/sidecar.proto WorkloadSelector: `labels`, not `matchLabels`.
    workloadSelector: { message: { labels: stringMap } },
    targetRefs: { list: policyTargetReference },
    priority: "int32",
    configPatches: {
      list: {
        message: {
          applyTo: {
            enum: ["INVALID", "LISTENER", "FILTER_CHAIN", "NETWORK_FILTER", "HTTP_FILTER", "ROUTE_CONFIGURATION",
              "VIRTUAL_HOST", "HTTP_ROUTE", "CLUSTER", "EXTENSION_CONFIG", "BOOTSTRAP", "LISTENER_FILTER"],
          },
          match: {
            message: {
              context: { enum: ["ANY", "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY", "WAYPOINT"] },
              proxy: { message: { proxyVersion: "string", metadata: stringMap } },
              listener: {
                message: {
                  portNumber: "uint32",
                  portName: "string",
                  name: "string",
                  listenerFilter: "string",
                  filterChain: {
                    message: {
                      name: "string",
                      sni: "string",
                      transportProtocol: "string",
                      applicationProtocols: "string",
                      destinationPort: "uint32",
                      filter: { message: { name: "string", subFilter: { message: { name: "string" } } } },
                    },
                  },
                },
              },
              routeConfiguration: "object",
              cluster: { message: { portNumber: "uint32", service: "string", subset: "string", name: "string" } },
              waypoint: "object",
            },
          },
          patch: {
            message: {
              operation: {
                enum: ["INVALID", "MERGE", "ADD", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE",
                  "MERGE_AND_REPLACE_LIST"],
              },
              value: "object",
              filterClass: { enum: ["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"] },
            },
          },
        },
      },
    },
  },
};

/** mesh/v1alpha1/proxy.proto ProxyConfig.proxyStatsMatcher (the only ProxyConfig field we set). */
export const PROXY_CONFIG_SUBSET: Shape = {
  message: {
    proxyStatsMatcher: {
      message: { inclusionPrefixes: { list: "string" }, inclusionSuffixes: { list: "string" }, inclusionRegexps: { list: "string" } },
    },
  },
};

/** Pod annotations used here, as listed in istio/api annotation/annotations.yaml. */
export const ISTIO_POD_ANNOTATIONS: readonly string[] = [
  "sidecar.istio.io/userVolume",
  "sidecar.istio.io/userVolumeMount",
  "sidecar.istio.io/bootstrapOverride",
  "proxy.istio.io/config",
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Throws an Error naming `path` when `value` does not fit `shape`. */
export function checkShape(value: unknown, shape: Shape, path: string): void {
  const fail = (what: string): never => { throw new Error(`${path}: ${what}, got ${JSON.stringify(value)}`); };
  if (shape === "string") { if (typeof value !== "string") fail("expected a string"); return; }
  if (shape === "bool") { if (typeof value !== "boolean") fail("expected true or false"); return; }
  if (shape === "uint32" || shape === "int32") {
    const [lo, hi] = shape === "uint32" ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
    if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi) fail(`expected a ${shape}`);
    return;
  }
  if (shape === "object") { if (!isObject(value)) fail("expected a map"); return; }
  if ("enum" in shape) {
    if (typeof value !== "string" || !shape.enum.includes(value)) fail(`expected one of ${shape.enum.join(", ")}`);
    return;
  }
  if ("list" in shape) {
    if (!Array.isArray(value)) fail("expected a list");
    (value as unknown[]).forEach((item, i) => checkShape(item, shape.list, `${path}[${i}]`));
    return;
  }
  if (!isObject(value)) fail("expected a map");
  const obj = value as Record<string, unknown>;
  if ("map" in shape) {
    for (const [k, v] of Object.entries(obj)) checkShape(v, shape.map, `${path}[${JSON.stringify(k)}]`);
    return;
  }
  for (const [k, v] of Object.entries(obj)) {
    const field = shape.message[k];
    if (field === undefined) {
      throw new Error(`${path}.${k}: unknown field; known fields: ${Object.keys(shape.message).join(", ")}`);
    }
    checkShape(v, field, `${path}.${k}`);
  }
}
