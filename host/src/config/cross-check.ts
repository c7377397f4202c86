// Stage 3: references between parts of the config, checked after each part is known to be valid.

import fs from "node:fs";
import path from "node:path";
import { ConfigError, fieldPath } from "./config-error.ts";
import type { Refs } from "./bootstrap-subset.ts";

function duplicates<T extends { path: string }>(items: T[], key: (t: T) => string, report: (dup: T, first: T) => ConfigError): void {
  const seen = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) throw report(item, first);
    seen.set(k, item);
  }
}

export function checkReferences(refs: Refs): void {
  duplicates(refs.listeners, (l) => l.name, (dup, first) =>
    new ConfigError(fieldPath(dup.path, "name"), `duplicate listener name ${JSON.stringify(dup.name)} (also ${first.path})`));
  // Port 0 asks the kernel for a free port, so such listeners never collide.
  duplicates(refs.listeners.filter((l) => l.address.port !== 0), (l) => `${l.address.address}:${l.address.port}`, (dup, first) =>
    new ConfigError(dup.addressPath, `listener ${JSON.stringify(dup.name)} has duplicate address ${formatAddress(dup.address)} as existing listener ${JSON.stringify(first.name)} (${first.path})`));
  duplicates(refs.clusters, (c) => c.name, (dup, first) =>
    new ConfigError(fieldPath(dup.path, "name"), `duplicate cluster name ${JSON.stringify(dup.name)} (also ${first.path})`));
  const clusters = new Set(refs.clusters.map((c) => c.name));
  for (const ref of refs.clusterRefs) {
    if (!clusters.has(ref.cluster)) throw new ConfigError(ref.path, `cluster ${JSON.stringify(ref.cluster)} is not defined`);
  }
}

function formatAddress(a: { address: string; port: number }): string {
  return a.address.includes(":") ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Every Wasm code file must be a readable file; build outputs get a hint to build. */
export function checkCodeFiles(refs: Refs): void {
  for (const ref of refs.codeFiles) {
    let problem: string | undefined;
    try {
      if (!fs.statSync(ref.resolved).isFile()) problem = "is not a regular file";
      else fs.accessSync(ref.resolved, fs.constants.R_OK);
    } catch (err) {
      problem = (err as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `is not readable (${(err as Error).message})`;
    }
    if (problem === undefined) continue;
    const isBuildOutput = path.normalize(ref.file).split(path.sep).includes("build");
    const hint = isBuildOutput ? "; it is a build output: run npm run build (from the repository root)" : "";
    throw new ConfigError(ref.path, `Wasm code file ${JSON.stringify(ref.file)} (resolved against the working directory to ${ref.resolved}) ${problem}${hint}`);
  }
}
