// Stage 3: references between parts of a config, and the Wasm code files on disk.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "./config-error.ts";
import { loadHostConfig } from "./load-host-config.ts";
import { at, baseConfig, edited, load, SERVICE, TCP, VM } from "./test-fixtures.ts";
import type { Obj } from "./test-fixtures.ts";
import { stringify } from "yaml";

interface Case { name: string; edit: (c: Obj) => void; path: string; message: string }

const cases: Case[] = [
  {
    name: "tcp_proxy names an undefined cluster",
    edit: (c) => { at.tcp(c).cluster = "x"; },
    path: TCP + ".cluster",
    message: `${TCP}.cluster: cluster "x" is not defined`,
  },
  {
    name: "two listeners with one name",
    edit: (c) => {
      const second = structuredClone(at.listener(c));
      second.address.socket_address.port_value = 10005;
      c.static_resources.listeners.push(second);
    },
    path: "static_resources.listeners[1].name",
    message: 'static_resources.listeners[1].name: duplicate listener name "l0" (also static_resources.listeners[0])',
  },
  {
    name: "two clusters with one name",
    edit: (c) => { c.static_resources.clusters.push({ name: "c0" }); },
    path: "static_resources.clusters[1].name",
    message: 'static_resources.clusters[1].name: duplicate cluster name "c0" (also static_resources.clusters[0])',
  },
  {
    name: "two listeners on one address and port",
    edit: (c) => {
      const second = structuredClone(at.listener(c));
      second.name = "l1";
      c.static_resources.listeners.push(second);
    },
    path: "static_resources.listeners[1].address",
    message: 'static_resources.listeners[1].address: listener "l1" has duplicate address 127.0.0.1:10000 as existing listener "l0" (static_resources.listeners[0])',
  },
];

for (const c of cases) {
  test(`references reject: ${c.name}`, () => {
    assert.throws(() => load(edited(c.edit)), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.fieldPath, c.path);
      assert.equal(err.message, c.message);
      return true;
    });
  });
}

test("references allow several listeners on port 0 and on different ports", () => {
  const cfg = load(edited((c) => {
    at.listener(c).address.socket_address.port_value = 0;
    for (const [name, port] of [["l1", 0], ["l2", 10002]] as const) {
      const l = structuredClone(at.listener(c));
      l.name = name;
      l.address.socket_address.port_value = port;
      c.static_resources.listeners.push(l);
    }
  }));
  assert.deepEqual(cfg.listeners.map((l) => l.address.port), [0, 0, 10002]);
});

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-test-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function withCode(filterFile: string, serviceFile: string): Obj {
  return edited((c) => {
    at.vm(c).code.local.filename = filterFile;
    at.service(c).config.vm_config.code.local.filename = serviceFile;
  });
}

test("files: readable code files pass", (t) => {
  const dir = tmpDir(t);
  for (const f of ["f.wasm", "s.wasm"]) fs.writeFileSync(path.join(dir, f), "\0asm");
  const cfg = load(withCode(path.join(dir, "f.wasm"), path.join(dir, "s.wasm")), true);
  assert.equal(cfg.wasmServices[0].codePath, path.join(dir, "s.wasm"));
});

test("files: a missing build output names the path and says to build", () => {
  const rel = "build/no-such-module-for-config-test.wasm";
  assert.throws(() => load(withCode(rel, rel), true), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.fieldPath, `${VM}.code.local.filename`);
    assert.ok(err.message.includes(`"${rel}"`), err.message);
    assert.ok(err.message.includes(path.resolve(rel)), err.message);
    assert.ok(err.message.includes("does not exist"), err.message);
    assert.ok(err.message.includes("run npm run build"), err.message);
    return true;
  });
});

test("files: a missing file outside build/ gets no build hint", (t) => {
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, "f.wasm"), "\0asm");
  const missing = path.join(dir, "gone.wasm");
  assert.throws(() => load(withCode(path.join(dir, "f.wasm"), missing), true), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.fieldPath, `${SERVICE}.config.vm_config.code.local.filename`);
    assert.ok(err.message.includes(missing) && err.message.includes("does not exist"), err.message);
    assert.ok(!err.message.includes("npm run build"), err.message);
    return true;
  });
});

test("files: a directory is not a code file", (t) => {
  const dir = tmpDir(t);
  assert.throws(() => load(withCode(dir, dir), true), (err: unknown) =>
    err instanceof ConfigError && err.fieldPath === `${VM}.code.local.filename` && err.message.includes("is not a regular file"));
});

test("files: checkFiles:false skips the code file check", () => {
  const rel = "build/no-such-module-for-config-test.wasm";
  const cfg = load(withCode(rel, rel), false);
  assert.equal(cfg.wasmServices[0].codePath, path.resolve(rel));
});

test("loadHostConfig reads a file and names it in HostConfig.path", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "envoy.yaml");
  fs.writeFileSync(file, stringify(baseConfig()));
  const cfg = loadHostConfig(file, { checkFiles: false });
  assert.equal(cfg.path, file);
  assert.equal(cfg.listeners[0].name, "l0");
});

test("loadHostConfig reports an unreadable config file", (t) => {
  const missing = path.join(tmpDir(t), "none.yaml");
  assert.throws(() => loadHostConfig(missing), (err: unknown) =>
    err instanceof ConfigError && err.message.startsWith(`cannot read config file ${missing}`));
});
