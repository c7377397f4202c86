// envoy.extensions.wasm.v3.PluginConfig (already schema-checked) -> PluginSpec, refusing what the
// host does not implement. Configuration bytes are produced exactly as Envoy hands them to the module.

import path from "node:path";
import { ConfigError, fieldPath, keyPath } from "./config-error.ts";
import { ProtoAny } from "./proto-json.ts";
import type { Msg } from "./proto-json.ts";
import { onlyFields, required, unsupported } from "./supported.ts";
import type { PluginSpec } from "../contracts.ts";

export const V8_RUNTIME = "envoy.wasm.runtime.v8";

/** Where a plugin's code file was named, for the cross-reference stage. */
export interface CodeFileRef { file: string; resolved: string; path: string }

/**
 * google.protobuf.Any -> the bytes a module reads: StringValue/BytesValue unwrapped, Struct as compact
 * JSON, unset -> empty. Envoy prints a Struct in protobuf's map iteration order, which is unspecified;
 * keys are sorted here so the bytes (and so the plugin key) are deterministic. Modules must not rely
 * on key order either way.
 */
export function configurationBytes(any: unknown, anyPath: string): Uint8Array {
  if (any === undefined) return new Uint8Array(0);
  if (!(any instanceof ProtoAny)) throw new ConfigError(anyPath, "expected a google.protobuf.Any");
  switch (any.typeName) {
    case "google.protobuf.StringValue": return new TextEncoder().encode(any.value as string);
    case "google.protobuf.BytesValue": return new Uint8Array(any.value as Uint8Array);
    case "google.protobuf.Struct": return new TextEncoder().encode(JSON.stringify(sortKeys(any.value)));
    default:
      throw unsupported(fieldPath(anyPath, "@type"),
        `configuration of type ${any.typeName} would reach the module as serialized protobuf; use google.protobuf.StringValue, BytesValue or Struct`);
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * VmConfig.environment_variables: key_values as given, plus host_env_keys read from this process's
 * environment (keys absent from it are skipped, as Envoy does); a key in both is an error, as in Envoy.
 */
function environment(env: Msg | undefined, envPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (env === undefined) return out;
  const kv = (env.key_values as Record<string, string> | undefined) ?? {};
  for (const [k, v] of Object.entries(kv)) out[k] = v;
  const hostKeys = (env.host_env_keys as string[] | undefined) ?? [];
  hostKeys.forEach((key, i) => {
    if (Object.prototype.hasOwnProperty.call(kv, key)) {
      throw new ConfigError(`${fieldPath(envPath, "host_env_keys")}[${i}]`,
        `key ${JSON.stringify(key)} is also set in ${keyPath(fieldPath(envPath, "key_values"), key)}; Envoy rejects a conflict of key space`);
    }
    const value = process.env[key];
    if (value !== undefined) out[key] = value;
  });
  return out;
}

export function readPluginConfig(plugin: Msg | undefined, pluginPath: string, codeFiles: CodeFileRef[]): PluginSpec {
  const cfg = required(plugin, pluginPath, "a PluginConfig with vm_config is needed to run a Wasm module");
  onlyFields(cfg, pluginPath, ["name", "root_id", "vm_config", "configuration", "fail_open"]);

  const vmPath = fieldPath(pluginPath, "vm_config");
  const vm = required(cfg.vm_config as Msg | undefined, vmPath, "the module is given by vm_config.code.local.filename");
  onlyFields(vm, vmPath, ["vm_id", "runtime", "code", "configuration", "environment_variables"]);

  // An empty runtime means "the first engine compiled in"; this host has only V8.
  const runtime = (vm.runtime as string | undefined) ?? V8_RUNTIME;
  if (runtime !== V8_RUNTIME) throw unsupported(fieldPath(vmPath, "runtime"), `only ${V8_RUNTIME} is provided, got ${JSON.stringify(runtime)}`);

  const codePath = fieldPath(vmPath, "code");
  const code = required(vm.code as Msg | undefined, codePath, "give the module as code.local.filename");
  onlyFields(code, codePath, ["local"]);
  const localPath = fieldPath(codePath, "local");
  const local = required(code.local as Msg | undefined, localPath, "give the module as code.local.filename");
  onlyFields(local, localPath, ["filename"]);
  const filename = local.filename as string; // the DataSource oneof is validate.required; only filename is left
  const filenamePath = fieldPath(localPath, "filename");
  // Envoy opens a relative filename against its working directory.
  const resolved = path.resolve(process.cwd(), filename);
  codeFiles.push({ file: filename, resolved, path: filenamePath });

  const failOpen = cfg.fail_open === true;
  return {
    name: (cfg.name as string | undefined) ?? "",
    rootId: (cfg.root_id as string | undefined) ?? "",
    vmId: (vm.vm_id as string | undefined) ?? "",
    runtime,
    codePath: resolved,
    vmConfiguration: configurationBytes(vm.configuration, fieldPath(vmPath, "configuration")),
    pluginConfiguration: configurationBytes(cfg.configuration, fieldPath(pluginPath, "configuration")),
    failOpen,
    // This API version has only fail_open; failure_policy (Envoy >= 1.33) is refused by the schema stage.
    failurePolicy: failOpen ? "FAIL_OPEN" : "FAIL_CLOSED",
    environmentVariables: environment(vm.environment_variables as Msg | undefined, fieldPath(vmPath, "environment_variables")),
  };
}
