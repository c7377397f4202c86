// The test harness itself: an AssemblyScript abort must surface as a failed call with its message,
// otherwise a trap in the library could hide behind a generic "unreachable".
import { test } from "node:test";
import assert from "node:assert/strict";
import { sentinel, T0 } from "./util.ts";

test("an abort inside the harness throws and reports its message", async () => {
  const h = await sentinel();
  const before = h.aborts.length;
  assert.throws(() => h.exports.guardEntry(12345, T0, 1), WebAssembly.RuntimeError);
  assert.equal(h.aborts.length, before + 1);
  assert.match(h.aborts[before], /Index out of range/);
});
