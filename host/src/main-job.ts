// `npm start`: a TCP echo upstream on 127.0.0.1:10001, then the host as a child process (like
// `envoy -c envoy-configs/envoy.yaml`). Extra arguments pass through (e.g. `npm start -- --concurrency 4`).
// Ctrl-C stops both.
//
// The ports are the ones envoy.yaml and the README promise. MAIN_JOB_LISTENER_PORT, MAIN_JOB_UPSTREAM_PORT
// and MAIN_JOB_ADMIN_PORT move them (the host then reads a temporary copy of envoy.yaml with those
// ports), so a test can run this very job next to a developer's own `npm start`.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { startEchoUpstream } from "./network/echo-upstream.ts";
import { mainJobPorts, scenarioWithPorts } from "./main-job-ports.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const MAIN_CONFIG = join(root, "envoy-configs", "envoy.yaml");

let ports;
try {
  ports = mainJobPorts(process.env);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

const ownConfig = args.includes("-c") || args.some((a) => a.startsWith("--config-path"));
let configArgs: string[] = [];
let tempDir: string | undefined;
if (!ownConfig) {
  let configPath = MAIN_CONFIG;
  if (ports.moved) {
    tempDir = mkdtempSync(join(tmpdir(), "main-job-"));
    configPath = join(tempDir, "envoy.yaml");
    writeFileSync(configPath, scenarioWithPorts(readFileSync(MAIN_CONFIG, "utf8"), ports));
  }
  configArgs = ["-c", configPath];
}
const removeTemp = () => { if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true }); };

let echo;
try {
  echo = await startEchoUpstream({ port: ports.upstream });
} catch (err) {
  process.stderr.write(`cannot start the echo upstream on 127.0.0.1:${ports.upstream}: ${(err as Error).message}\n` +
    `(is another \`npm start\` running?)\n`);
  removeTemp();
  process.exit(1);
}
process.stderr.write(`echo upstream listening on ${echo.address}:${echo.port}\n`);

const child = spawn(process.execPath, [join(root, "host", "src", "cli.ts"), ...configArgs, ...args], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});

async function waitReady(): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${ports.admin}/ready`);
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null) child.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

child.on("exit", (code, signal) => {
  removeTemp();
  void echo.close().then(() => process.exit(code ?? (signal !== null ? 0 : 1)));
});

if (await waitReady()) {
  process.stderr.write([
    "",
    "host is up:",
    `  listener  127.0.0.1:${ports.listener} -> echo upstream 127.0.0.1:${ports.upstream}`,
    `  admin     http://127.0.0.1:${ports.admin}/stats  (also /stats/prometheus, /stats?format=json, /ready, /listeners)`,
    `  try       printf hello | nc 127.0.0.1 ${ports.listener}`,
    "  Ctrl-C stops everything",
    "",
  ].join("\n") + "\n");
}
