// `npm start`: a TCP echo upstream on 127.0.0.1:10001, then the host as a child process (like
// `envoy -c envoy-configs/envoy.yaml`). Extra arguments pass through (e.g. `npm start -- --concurrency 4`).
// Ctrl-C stops both.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { startEchoUpstream } from "./network/echo-upstream.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ECHO_PORT = 10001;
const args = process.argv.slice(2);
const configPath = args.includes("-c") || args.some((a) => a.startsWith("--config-path"))
  ? [] : ["-c", join(root, "envoy-configs", "envoy.yaml")];

let echo;
try {
  echo = await startEchoUpstream({ port: ECHO_PORT });
} catch (err) {
  process.stderr.write(`cannot start the echo upstream on 127.0.0.1:${ECHO_PORT}: ${(err as Error).message}\n` +
    `(is another \`npm start\` running?)\n`);
  process.exit(1);
}
process.stderr.write(`echo upstream listening on ${echo.address}:${echo.port}\n`);

const child = spawn(process.execPath, [join(root, "host", "src", "cli.ts"), ...configPath, ...args], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});

async function waitReady(): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch("http://127.0.0.1:9901/ready");
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
  void echo.close().then(() => process.exit(code ?? (signal !== null ? 0 : 1)));
});

if (await waitReady()) {
  process.stderr.write([
    "",
    "host is up:",
    "  listener  127.0.0.1:10000 -> echo upstream 127.0.0.1:10001",
    "  admin     http://127.0.0.1:9901/stats  (also /stats/prometheus, /stats?format=json, /ready, /listeners)",
    "  try       printf hello | nc 127.0.0.1 10000",
    "  Ctrl-C stops everything",
    "",
  ].join("\n") + "\n");
}
