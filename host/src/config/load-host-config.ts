// envoy YAML -> validated HostConfig, in Envoy's order: parse, schema (unknown fields, types, enums,
// Any, oneofs, PGV rules), then what this host implements, then references between parts.

import fs from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError } from "./config-error.ts";
import { protoRoot } from "./proto-root.ts";
import { describe, readMessage } from "./proto-json.ts";
import { mapBootstrap } from "./bootstrap-subset.ts";
import { checkCodeFiles, checkReferences } from "./cross-check.ts";
import type { HostConfig } from "../contracts.ts";

export interface LoadOptions {
  /** Check that every Wasm code file exists and is readable (default true). */
  checkFiles?: boolean;
}

const BOOTSTRAP = "envoy.config.bootstrap.v3.Bootstrap";

/** Parse YAML into plain values; integers stay exact (bigint) for the int64 fields. */
export function parseYaml(yamlText: string, path: string): unknown {
  const doc = parseDocument(yamlText, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    throw new ConfigError("", `${path}: YAML syntax error${where}: ${e.message}`);
  }
  return doc.toJS({ maxAliasCount: 1000 });
}

export function parseHostConfig(yamlText: string, path: string, options: LoadOptions = {}): HostConfig {
  let tree = parseYaml(yamlText, path);
  // An empty file is an empty bootstrap, as Envoy reads it.
  if (tree === null || tree === undefined) tree = {};
  if (typeof tree !== "object" || Array.isArray(tree)) {
    throw new ConfigError("", `${path}: the top level must be a map (${BOOTSTRAP}), got ${describe(tree)}`);
  }
  const boot = readMessage(protoRoot().lookupType(BOOTSTRAP), tree, "");
  const { config, refs } = mapBootstrap(boot, path);
  checkReferences(refs);
  if (options.checkFiles !== false) checkCodeFiles(refs);
  return config;
}

export function loadHostConfig(path: string, options: LoadOptions = {}): HostConfig {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("", `cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseHostConfig(text, path, options);
}
