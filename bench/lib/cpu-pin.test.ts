import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { allowedCpus, defaultPin, parseCpuList, parsePin, tasksetAvailable, whilePinned } from "./cpu-pin.ts";

test("CPU lists read as taskset writes them: single CPUs, ranges, commas", () => {
  assert.deepEqual(parseCpuList("0", "x"), [0]);
  assert.deepEqual(parseCpuList("2-4,0", "x"), [0, 2, 3, 4]);
  assert.deepEqual(parseCpuList("1,1-2", "x"), [1, 2]);
  assert.throws(() => parseCpuList("a", "--pin"), /--pin: 'a' is not a CPU list/);
  assert.throws(() => parseCpuList("3-1", "--pin"), /range '3-1' runs backwards/);
  assert.throws(() => parseCpuList("", "--pin"), /is not a CPU list/);
});

test("--pin PROXY:OTHERS takes two disjoint sets of CPUs this process may use, and says which rule a bad one breaks", () => {
  const allowed = [0, 1, 2, 3];
  assert.deepEqual(parsePin("0:1-3", allowed), { proxy: [0], rest: [1, 2, 3] });
  assert.throws(() => parsePin("0", allowed), /expected PROXY_CPUS:OTHER_CPUS \(e\.g\. 0:1\), got '0'/);
  assert.throws(() => parsePin("0-1:1", allowed), /CPU 1 is in both sets/);
  assert.throws(() => parsePin("0:7", allowed), /CPU 7 is not available here \(allowed: 0,1,2,3\)/);
});

test("by default the proxy's workers get CPUs of their own and the load keeps at least one; one CPU cannot be split", () => {
  assert.deepEqual(defaultPin([0, 1], 1), { proxy: [0], rest: [1] });
  assert.deepEqual(defaultPin([0, 1], 4), { proxy: [0], rest: [1] }, "never every CPU for the proxy");
  assert.deepEqual(defaultPin([2, 3, 5, 7], 2), { proxy: [2, 3], rest: [5, 7] });
  assert.equal(defaultPin([0], 1), null);
});

const cpusOf = (pid: number) => parseCpuList(/Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1], "status");

test("whilePinned moves real processes onto their CPUs for the run and gives them back their CPUs after, also when the run fails", {
  skip: !tasksetAvailable() ? "taskset (util-linux) is not installed" : allowedCpus().length < 2 ? "needs two CPUs" : false,
}, async () => {
  const allowed = allowedCpus();
  const spec = defaultPin(allowed, 1)!;
  const proxy = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  try {
    const seen = await whilePinned(spec, [proxy.pid!], [other.pid!], allowed, async () => [cpusOf(proxy.pid!), cpusOf(other.pid!)]);
    assert.deepEqual(seen, [spec.proxy, spec.rest]);
    assert.deepEqual(cpusOf(proxy.pid!), allowed);
    assert.deepEqual(cpusOf(other.pid!), allowed);
    await assert.rejects(whilePinned(spec, [proxy.pid!], [other.pid!], allowed, async () => { throw new Error("phase failed"); }), /phase failed/);
    assert.deepEqual(cpusOf(proxy.pid!), allowed, "restored after a failure too");
  } finally {
    proxy.kill();
    other.kill();
  }
});
