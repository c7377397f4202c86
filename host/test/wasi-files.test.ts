// The WASI file, directory and socket stubs answer as cpp-host's (proxy-wasm-cpp-host @52a0291
// src/exports.cc, read for this test): stdout/stderr exist, everything else is BADF, ENOTSUP or ENOSYS,
// and the out-parameters cpp-host zeroes are zeroed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator } from "../src/runtime/emulator.ts";
import { facts, kv, testModule } from "./helpers.ts";

test("wasi file/dir/socket stubs: cpp-host's errno for each, stdio vs other fds, zeroed out-parameters", async () => {
  const emu = await Emulator.create({ workers: 1, filters: [{ name: "w", rootId: "r", vmId: "v", codePath: testModule("wasi-files") }] });
  const main = emu.logEntries().filter((e) => e.threadId === 0);
  const f = kv(facts(main.map((e) => e.line), "wasifiles ")[0]);
  assert.deepEqual(f, {
    pwrite1: "0:3", pwrite5: "8", pread: "52", seek: "0", close: "0", set_flags: "52", set_rights: "0/8", advise: "0",
    allocate: "0/8", datasync: "0/8", filestat_get: "8", set_size: "0/8", set_times: "0/8", readdir: "20:0",
    renumber: "58/8/8", sync: "0/8", tell: "0:0/8", prestat_dir_name: "52", path_filestat_get: "58", create_directory: "58",
    path_set_times: "58", link: "58", readlink: "58:0", remove_directory: "58", rename: "58", symlink: "58", unlink: "58",
    accept: "58:0", // all 8 bytes zeroed, as cpp-host's setDatatype(retptr0, 0UL)
    recv: "58:0:0", send: "58:0", shutdown: "58", args_get: "0",
    oob: "21/21", // an out-pointer outside memory is EFAULT
  });
  // fd_pwrite to stdout is a log line at info, like fd_write (offset ignored, trailing newline dropped)
  assert.ok(main.some((e) => e.level === 2 && /^wasm log[^:]*: pw$/.test(e.line)), JSON.stringify(main.map((e) => e.line)));
});
