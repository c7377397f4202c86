// Envoy's API protos (vendored by @grpc/grpc-js-xds) loaded into one protobufjs Root, once per process.
// Parsing ~70 .proto files costs ~100 ms, so the Root is built lazily on first use and kept.
// Types outside the bootstrap's import graph (an extension named only through an Any @type) are
// loaded on demand from the proto package's directory, as Envoy's type registry would know them.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);

/** Files every config needs: the bootstrap plus each extension our configs name through @type. */
const ENTRY_FILES = [
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/extensions/filters/network/wasm/v3/wasm.proto",
  "envoy/extensions/wasm/v3/wasm.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "google/protobuf/wrappers.proto",
  "google/protobuf/struct.proto",
  "google/protobuf/any.proto",
  "google/protobuf/duration.proto",
];

function includeDirs(): string[] {
  const xds = path.dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  const deps = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => path.join(xds, "deps", d));
  // google/protobuf/descriptor.proto (imported by validate.proto and the annotations) ships with protobufjs.
  const pbjs = path.dirname(require.resolve("protobufjs/package.json"));
  return [...deps, pbjs];
}

let cached: protobuf.Root | undefined;
let dirs: string[] | undefined;

function newRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const include = (dirs ??= includeDirs());
  root.resolvePath = (_origin: string, target: string): string | null => {
    if (path.isAbsolute(target)) return target;
    for (const dir of include) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return null;
  };
  return root;
}

const PARSE_OPTIONS = { keepCase: true } as const;

/** The shared Root with the bootstrap graph loaded. */
export function protoRoot(): protobuf.Root {
  if (cached) return cached;
  const root = newRoot();
  root.loadSync(ENTRY_FILES, PARSE_OPTIONS);
  cached = root;
  return root;
}

/** Directory (relative to an include dir) holding the package of a fully-qualified message name. */
function packageDirCandidates(fullName: string): string[] {
  const parts = fullName.split(".");
  const out: string[] = [];
  // The message may be nested (Outer.Inner), so try every prefix, longest first.
  for (let n = parts.length - 1; n >= 1; n--) out.push(parts.slice(0, n).join("/"));
  return out;
}

function lookupMessage(root: protobuf.Root, fullName: string): protobuf.Type | undefined {
  const found = root.lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}

/**
 * The first import (transitively) that no include dir provides. Checked before loading because a
 * failed loadSync leaves the shared Root half-built.
 */
function missingImport(files: string[], include: string[]): string | undefined {
  const seen = new Set<string>();
  const queue = [...files];
  while (queue.length > 0) {
    const rel = queue.pop()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    if (Object.prototype.hasOwnProperty.call(protobuf.common, rel)) continue; // bundled with protobufjs
    const abs = include.map((d) => path.join(d, rel)).find((p) => fs.existsSync(p));
    if (abs === undefined) return rel;
    const source = fs.readFileSync(abs, "utf8");
    for (const m of source.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) queue.push(m[1]);
  }
  return undefined;
}

/** Packages whose .proto files failed to load, with the reason (so a retry costs nothing). */
const failedPackages = new Map<string, string>();

export type Resolution = { type: protobuf.Type; problem?: undefined } | { type?: undefined; problem: string };

/**
 * Resolve a message by full name, loading its package's .proto files if needed. `problem` says why a
 * name cannot be resolved: no such package/message, or a package the vendored subset cannot load.
 */
export function resolveMessageType(fullName: string): Resolution {
  const notFound: Resolution = { problem: `no message "${fullName}" in the vendored Envoy API protos` };
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(fullName)) return notFound;
  const root = protoRoot();
  const hit = lookupMessage(root, fullName);
  if (hit) return { type: hit };
  const include = (dirs ??= includeDirs());
  for (const rel of packageDirCandidates(fullName)) {
    const failed = failedPackages.get(rel);
    if (failed !== undefined) return { problem: failed };
    const files: string[] = [];
    for (const dir of include) {
      const abs = path.join(dir, rel);
      if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) continue;
      for (const f of fs.readdirSync(abs)) if (f.endsWith(".proto")) files.push(path.join(rel, f));
    }
    if (files.length === 0) continue;
    const missing = missingImport(files, include);
    if (missing !== undefined) {
      const problem = `the vendored proto package ${rel.replaceAll("/", ".")} cannot be loaded: it imports ${missing}, which is not vendored`;
      failedPackages.set(rel, problem);
      return { problem };
    }
    try {
      root.loadSync(files, PARSE_OPTIONS);
    } catch (err) {
      // A partial load may leave the shared Root half-resolved: rebuild it on next use.
      cached = undefined;
      const problem = `the vendored proto package ${rel.replaceAll("/", ".")} cannot be loaded (${(err as Error).message.split("\n")[0]})`;
      failedPackages.set(rel, problem);
      return { problem };
    }
    const type = lookupMessage(root, fullName);
    return type ? { type } : notFound;
  }
  return notFound;
}
