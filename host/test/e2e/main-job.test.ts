// `npm start`'s job (host/src/main-job.ts) as a user runs it: echo upstream + host, a connection through
// the listener, the admin stats, then Ctrl-C. Ctrl-C in a terminal signals the whole process group, so
// the job runs detached in its own group and the test sends SIGINT to that group. The ports are moved
// with MAIN_JOB_*_PORT so the test never clashes with a developer's own `npm start` on 10000/10001/9901.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./host-process.ts";
import { adminStats, echoExchange, freePort, pollUntil } from "./net-helpers.ts";

const BUILT = existsSync(join(REPO_ROOT, "build", "filter.wasm")) && existsSync(join(REPO_ROOT, "build", "service.wasm"));

function runJob(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | string> } {
  const proc = spawn(process.execPath, [join(REPO_ROOT, "host", "src", "main-job.ts"), "--concurrency", "2"], {
    cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true,
  });
  let out = "";
  proc.stdout!.on("data", (d) => { out += d; });
  proc.stderr!.on("data", (d) => { out += d; });
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return { proc, output: () => out, exited };
}

describe("npm start's main job (moved ports)", { skip: !BUILT && "run `npm run build` first" }, () => {
  let job: ReturnType<typeof runJob> | undefined;

  after(async () => {
    // only if a test failed half-way: never leave the job running
    if (job !== undefined && job.proc.exitCode === null && job.proc.signalCode === null) {
      process.kill(-job.proc.pid!, "SIGKILL");
      await job.exited;
    }
  });

  test("serves envoy.yaml through the wasm filter to the echo upstream, then Ctrl-C stops everything with exit 0", async () => {
    const listener = await freePort();
    const upstream = await freePort();
    const admin = await freePort();
    job = runJob({
      MAIN_JOB_LISTENER_PORT: String(listener), MAIN_JOB_UPSTREAM_PORT: String(upstream), MAIN_JOB_ADMIN_PORT: String(admin),
    });
    await pollUntil("the job's 'host is up' banner", async () => {
      if (job!.proc.exitCode !== null) throw new Error(`main job exited early:\n${job!.output()}`);
      return job!.output().includes("host is up") ? true : undefined;
    }, 30_000);
    const out = job.output();
    assert.match(out, new RegExp(`echo upstream listening on 127\\.0\\.0\\.1:${upstream}\\n`));
    assert.match(out, new RegExp(`listener  127\\.0\\.0\\.1:${listener} -> echo upstream 127\\.0\\.0\\.1:${upstream}`));
    assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${admin}/stats`));

    const r = await echoExchange(listener, Buffer.from("hello"));
    assert.equal(r.receivedSha, r.sentSha, "hello comes back through filter -> tcp_proxy -> echo");
    const stats = await adminStats(admin);
    assert.equal(stats.get(`listener.127.0.0.1_${listener}.downstream_cx_total`), 1);
    assert.equal(stats.get("cluster.echo_upstream.upstream_cx_total"), 1);
    const prom = await (await fetch(`http://127.0.0.1:${admin}/stats/prometheus`)).text();
    assert.match(prom, /^# TYPE envoy_server_live gauge$/m);

    process.kill(-job.proc.pid!, "SIGINT");
    assert.equal(await job.exited, 0, job.output());
    assert.match(job.output(), /caught ENVOY_SIGINT/);
    // everything it bound is free again
    await assert.rejects(fetch(`http://127.0.0.1:${admin}/ready`));
    await assert.rejects(echoExchange(upstream, Buffer.from("x"), { timeoutMs: 2000 }));
  });

  test("a bad MAIN_JOB_*_PORT exits 1 naming the variable, before starting anything", async () => {
    const bad = runJob({ MAIN_JOB_ADMIN_PORT: "99999" });
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /MAIN_JOB_ADMIN_PORT: expected a port number from 1 to 65535, got '99999'/);
    assert.doesNotMatch(bad.output(), /echo upstream listening/);
  });
});
