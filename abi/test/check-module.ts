// Checks a compiled module against what Envoy links and calls for ABI 0.2.1. Returns a list of
// problems as sentences (empty = loadable); the import test runs it on every build output and on
// deliberately broken modules, so the checker itself is tested too.
import { parseModule, formatType } from "./wasm-binary.ts";
import type { FuncType } from "./wasm-binary.ts";
import {
  HOST_FUNCTIONS_0_2_1, ABI_0_1_0_ONLY, AS_DEFAULT_IMPORTS, WASI_MODULES, WASI_FUNCTIONS,
  CALLBACKS_0_2_1, L4_CALLBACKS, REQUIRED_FUNCTION_EXPORTS,
} from "./abi-0-2-1.ts";

function sameType(a: FuncType | undefined, b: FuncType): boolean {
  return a !== undefined && a.params.join() === b.params.join() && a.results.join() === b.results.join();
}

export interface CheckOptions {
  /** Require every L4 callback (true for our modules). */
  requireL4: boolean;
}

export function checkModule(bytes: Uint8Array, options: CheckOptions = { requireL4: true }): string[] {
  const problems: string[] = [];
  const mod = parseModule(bytes);

  for (const imp of mod.imports) {
    const full = `${imp.module}.${imp.name}`;
    if (imp.kind !== "function") {
      problems.push(`import ${full} is a ${imp.kind}; Envoy links only functions (an imported ${imp.kind} is a missing import)`);
      continue;
    }
    if (imp.module === "env") {
      if (AS_DEFAULT_IMPORTS.has(imp.name)) {
        problems.push(`import ${full} is an AssemblyScript default Envoy does not provide (use --use abort=..., avoid trace/Math.random/Date.now)`);
        continue;
      }
      if (ABI_0_1_0_ONLY.has(imp.name)) {
        problems.push(`import ${full} exists only in ABI 0.1.0; under 0.2.1 it is a missing import`);
        continue;
      }
      const want = HOST_FUNCTIONS_0_2_1[imp.name];
      if (!want) {
        problems.push(`import ${full} is not a proxy-wasm ABI 0.2.1 host function`);
      } else if (!sameType(imp.type, want)) {
        problems.push(`import ${full} has type ${formatType(imp.type)} but Envoy provides ${formatType(want)}`);
      }
      continue;
    }
    if (WASI_MODULES.has(imp.module)) {
      const want = WASI_FUNCTIONS[imp.name];
      if (!want) problems.push(`import ${full} is not a WASI function every Envoy release provides`);
      else if (!sameType(imp.type, want)) problems.push(`import ${full} has type ${formatType(imp.type)} but Envoy provides ${formatType(want)}`);
      continue;
    }
    if (imp.module === "Date" || imp.name === "Date.now") {
      problems.push(`import ${full} comes from Date.now(); Envoy does not provide it`);
      continue;
    }
    problems.push(`import ${full} is from module "${imp.module}", which Envoy does not provide`);
  }

  const exports = new Map(mod.exports.map((e) => [e.name, e]));
  const markers = mod.exports.filter((e) => e.name.startsWith("proxy_abi_version_"));
  if (markers.length !== 1 || markers[0].name !== "proxy_abi_version_0_2_1") {
    problems.push(`ABI marker: expected exactly proxy_abi_version_0_2_1, found [${markers.map((m) => m.name).join(", ")}]`);
  }
  if (!mod.exports.some((e) => e.kind === "memory") && !mod.imports.some((i) => i.kind === "memory")) {
    problems.push("no memory exported");
  }
  for (const [name, want] of Object.entries(REQUIRED_FUNCTION_EXPORTS)) {
    const e = exports.get(name);
    if (!e || e.kind !== "function") problems.push(`missing function export ${name}`);
    else if (!sameType(e.type, want)) problems.push(`export ${name} has type ${formatType(e.type)}, expected ${formatType(want)}`);
  }
  if (options.requireL4) {
    for (const name of L4_CALLBACKS) {
      if (!exports.has(name)) problems.push(`missing L4 callback export ${name}`);
    }
  }
  for (const e of mod.exports) {
    if (!e.name.startsWith("proxy_on_")) continue;
    const want = CALLBACKS_0_2_1[e.name];
    if (!want) {
      problems.push(`export ${e.name} is not a callback Envoy calls (misspelt?)`);
    } else if (e.kind !== "function" || !sameType(e.type, want)) {
      problems.push(`export ${e.name} has type ${formatType(e.type)}; Envoy requires ${formatType(want)} ("Bad function signature")`);
    }
  }
  if (mod.hasStartSection) {
    problems.push("module has a start section; build with --exportStart _initialize (host calls in start fail under WAMR)");
  }
  return problems;
}
