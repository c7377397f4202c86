// Creates the runtime/ ThreadRuntime of one thread. Imported lazily so a config without wasm filters or
// services runs without loading the Wasm runtime at all (the benchmarks' "no filter" path).
import type { HostConfig, ThreadEnv, ThreadRuntimeApi } from "../contracts.ts";

export function configUsesWasm(config: HostConfig): boolean {
  return config.wasmServices.length > 0 ||
    config.listeners.some((l) => l.filters.some((f) => f.kind === "wasm"));
}

/** Every distinct codePath of the config's plugins (filters and services). */
export function wasmCodePaths(config: HostConfig): string[] {
  const paths = new Set<string>();
  for (const s of config.wasmServices) paths.add(s.codePath);
  for (const l of config.listeners) for (const f of l.filters) if (f.kind === "wasm") paths.add(f.plugin.codePath);
  return [...paths];
}

export async function createThreadRuntime(config: HostConfig, env: ThreadEnv, role: "main" | "worker",
  modules: Map<string, WebAssembly.Module>): Promise<ThreadRuntimeApi> {
  const { ThreadRuntime } = await import("../runtime/thread-runtime.ts");
  return await ThreadRuntime.create({ config, env, role, modules });
}
