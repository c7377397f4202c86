// CPU affinity for benchmark processes: the proxy under test on CPUs of its own, the load client, the
// upstream and the benchmark driver on the others. On a machine this small, three busy processes
// sharing every core make a proxy's cost per connection depend on what ran on its core between two
// of its events; pinned, that part is left out of the measurement.
// Uses `taskset` (util-linux): Node has no affinity API.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface PinSpec {
  /** CPU numbers for the proxies under test. */
  proxy: number[];
  /** CPU numbers for everything else this run starts (driver, load clients, upstream). */
  rest: number[];
}

/** The CPUs this process may run on (Cpus_allowed_list of /proc/self/status). */
export function allowedCpus(): number[] {
  const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/self/status", "utf8"));
  if (!m) throw new Error("cannot read Cpus_allowed_list from /proc/self/status");
  return parseCpuList(m[1], "Cpus_allowed_list");
}

/** "0,2-3" -> [0, 2, 3]; `what` names the source in errors. */
export function parseCpuList(text: string, what: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`${what}: '${text}' is not a CPU list (e.g. 0 or 0-1 or 0,2)`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`${what}: range '${part}' runs backwards`);
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * `--pin PROXY:REST`, e.g. "0:1": proxies on CPU 0, the rest on CPU 1. The two sets must not
 * overlap and must be CPUs this process may use.
 */
export function parsePin(text: string, allowed: number[]): PinSpec {
  const halves = text.split(":");
  if (halves.length !== 2) throw new Error(`--pin: expected PROXY_CPUS:OTHER_CPUS (e.g. 0:1), got '${text}'`);
  const proxy = parseCpuList(halves[0], "--pin (proxy CPUs)");
  const rest = parseCpuList(halves[1], "--pin (other CPUs)");
  const shared = proxy.filter((c) => rest.includes(c));
  if (shared.length > 0) throw new Error(`--pin: CPU ${shared.join(",")} is in both sets; the proxy's CPUs must be its own`);
  const missing = [...proxy, ...rest].filter((c) => !allowed.includes(c));
  if (missing.length > 0) throw new Error(`--pin: CPU ${missing.join(",")} is not available here (allowed: ${allowed.join(",")})`);
  return { proxy, rest };
}

/** Pins every thread of `pid` (and the threads and children it starts later) to `cpus`. */
export function pinProcess(pid: number, cpus: number[]): void {
  const r = spawnSync("taskset", ["-a", "-p", "-c", cpus.join(","), String(pid)], { encoding: "utf8" });
  if (r.error) throw new Error(`taskset: ${r.error.message} (util-linux's taskset is needed for --pin)`);
  if (r.status !== 0) throw new Error(`taskset -a -p -c ${cpus.join(",")} ${pid} failed: ${r.stderr.trim()}`);
}

/** Whether `taskset` runs here (util-linux is not on every machine). */
export function tasksetAvailable(): boolean {
  const r = spawnSync("taskset", ["-V"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

/**
 * The split a benchmark uses by default: the proxy's `threads` worker threads on CPUs of their own
 * (at least one, leaving at least one for the rest), everything else on the remaining CPUs. null
 * when there are fewer than two CPUs to split.
 */
export function defaultPin(allowed: number[], threads: number): PinSpec | null {
  if (allowed.length < 2) return null;
  const n = Math.max(1, Math.min(threads, allowed.length - 1));
  return { proxy: allowed.slice(0, n), rest: allowed.slice(n) };
}

/**
 * Runs `fn` with the proxies in `proxyPids` on the spec's proxy CPUs and `otherPids` (the driver,
 * the upstream; processes they start inherit it) on the others, then gives every one of them back
 * `restore` (the CPUs they had before), also when `fn` fails.
 */
export async function whilePinned<T>(spec: PinSpec, proxyPids: number[], otherPids: number[], restore: number[], fn: () => Promise<T>): Promise<T> {
  for (const pid of otherPids) pinProcess(pid, spec.rest);
  for (const pid of proxyPids) pinProcess(pid, spec.proxy);
  try {
    return await fn();
  } finally {
    for (const pid of [...proxyPids, ...otherPids]) pinProcess(pid, restore);
  }
}
