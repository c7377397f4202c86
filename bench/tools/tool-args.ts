// What the A/B tools in this folder share: `--key value` flags, source trees to compare, a host of
// one tree started on fresh ports, and a main that stops every child process however it ends.
import path from "node:path";
import { writeFileSync } from "node:fs";
import { REPO_ROOT } from "../lib/targets.ts";
import { freePort, spawnNode, stopAll, waitForLive, type Child } from "../lib/procs.ts";
import type { HostPorts } from "../lib/host-config.ts";

export interface ToolFlags {
  raw: Record<string, string>;
  /** A positive integer flag, or `d` when absent. */
  num(key: string, d: number): number;
}

export function parseFlags(argv: string[], usage: string): ToolFlags {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument '${argv[i]}'\n${usage}`);
    raw[argv[i].slice(2)] = argv[i + 1];
  }
  return {
    raw,
    num(key: string, d: number): number {
      const n = Number(raw[key] ?? d);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${key}: expected a positive integer, got '${raw[key]}'`);
      return n;
    },
  };
}

/** `--trees name=dir,...` (default: this repository as "current"). */
export function parseTrees(spec: string | undefined, usage: string): Array<{ name: string; dir: string }> {
  return (spec ?? `current=${REPO_ROOT}`).split(",").map((s) => {
    const [name, dir] = s.split("=");
    if (!name || !dir) throw new Error(`--trees: expected name=dir, got '${s}'\n${usage}`);
    return { name, dir: path.resolve(dir) };
  });
}

/**
 * Starts `node <tree>/host/src/cli.ts` on fresh admin and listener ports in front of `upstreamPort`,
 * with the config `yamlFor(ports)` written to `file`, and waits until it is LIVE.
 */
export async function startTreeHost(o: {
  key: string; tree: { dir: string }; file: string; upstreamPort: number; yamlFor: (ports: HostPorts) => string;
  concurrency: number; nodeFlags?: string[];
}): Promise<{ child: Child; ports: HostPorts }> {
  const ports = { adminPort: await freePort(), listenerPort: await freePort(), upstreamPort: o.upstreamPort };
  writeFileSync(o.file, o.yamlFor(ports));
  const child = spawnNode(o.key, [...(o.nodeFlags ?? []), path.join(o.tree.dir, "host/src/cli.ts"), "-c", o.file,
    "--concurrency", String(o.concurrency), "-l", "warn"], { cwd: o.tree.dir });
  await waitForLive(ports.adminPort, 30_000, child);
  return { child, ports };
}

/** Runs a tool's main: exit 0 when it returns, 1 with its message when it throws; children stopped either way. */
export function runTool(main: () => Promise<void>): void {
  main().then(async () => { await stopAll(); process.exit(0); }, async (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    await stopAll();
    process.exit(1);
  });
}
