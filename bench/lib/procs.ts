// Child processes of a benchmark run: the upstream, the proxies under test and the load clients
// each run in their own process, spawned with the pinned Node, talking JSON lines on stdout.
// Every child is registered so the run can stop all of them by pid on exit or error.
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";
import { readdirSync, readFileSync } from "node:fs";
import { waitLive } from "../../host/test/e2e/net-helpers.ts";

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the first JSON line matching pred (rejects if the child exits first or on timeout). */
  waitFor(pred: (msg: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Called for every JSON line. */
  onMessage(fn: (msg: Record<string, unknown>) => void): void;
  /** Last lines of stderr (and non-JSON stdout), for error messages. */
  tail(): string;
  send(line: string): void;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const children = new Set<Child>();

export function spawnNode(name: string, args: string[], opts: { cwd?: string } = {}): Child {
  const proc = spawn(process.execPath, args, { cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const keep = (l: string) => { lines.push(l); if (lines.length > 40) lines.shift(); };
  const listeners: Array<(m: Record<string, unknown>) => void> = [];
  readline.createInterface({ input: proc.stdout! }).on("line", (l) => {
    let msg: Record<string, unknown> | undefined;
    if (l.startsWith("{")) { try { msg = JSON.parse(l) as Record<string, unknown>; } catch { /* not ours */ } }
    if (!msg) { keep(l); return; }
    for (const fn of listeners.slice()) fn(msg);
  });
  readline.createInterface({ input: proc.stderr! }).on("line", keep);
  proc.stdin!.on("error", () => { /* child gone */ });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const child: Child = {
    name, proc, pid: proc.pid!,
    exited,
    onMessage: (fn) => { listeners.push(fn); },
    waitFor: (pred, timeoutMs) => new Promise((resolve, reject) => {
      const fn = (m: Record<string, unknown>) => {
        if (!pred(m)) return;
        cleanup();
        resolve(m);
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`${name}: no expected message within ${timeoutMs} ms\n${child.tail()}`)); }, timeoutMs);
      void exited.then((code) => { cleanup(); reject(new Error(`${name} exited with code ${code}\n${child.tail()}`)); });
      const cleanup = () => { clearTimeout(timer); const i = listeners.indexOf(fn); if (i >= 0) listeners.splice(i, 1); };
      listeners.push(fn);
    }),
    tail: () => lines.join("\n"),
    send: (line) => { proc.stdin!.write(line + "\n"); },
    stop: async () => {
      children.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** Stops every child still running (by its own pid). */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
}

// One freePort for tests and benchmarks: it draws below the kernel's ephemeral range, so the load
// client's thousands of outgoing connections cannot take a port between its pick and the bind.
export { freePort } from "../../host/test/e2e/net-helpers.ts";

/** Waits for a host's admin /ready to say LIVE (every worker listening), or for `child` to exit. */
export async function waitForLive(adminPort: number, timeoutMs: number, child?: Child): Promise<void> {
  const exited = () => (child && (child.proc.exitCode !== null || child.proc.signalCode !== null) ? `${child.name} exited before it was LIVE` : undefined);
  try {
    await waitLive(adminPort, timeoutMs, exited);
  } catch (e) {
    throw new Error(`${(e as Error).message}${child ? `\n${child.tail()}` : ""}`);
  }
}

/** CPU time (user + system, ms) a process has used so far, all its threads included; from /proc. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the command name (field 2) may contain spaces: fields are counted after its closing ")"
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}
// USER_HZ is 100 on every Linux ABI Node supports.
const CLOCK_TICKS = 100;

/**
 * Calls `read(dir, name)` for every thread of a process (`dir`: /proc/<pid>/task/<tid>), skipping a
 * thread that ends while it is read; thread names repeat (numbered V8 platform threads share one).
 */
function forEachThread(pid: number, read: (dir: string, name: string) => void): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const dir = `/proc/${pid}/task/${tid}`;
    try {
      read(dir, readFileSync(`${dir}/comm`, "utf8").trim());
    } catch { /* thread ended */ }
  }
}

/** CPU ms (user + system) per thread name of a process so far; numbered V8 platform threads share one name. */
export function threadCpuMs(pid: number): Map<string, number> {
  const m = new Map<string, number>();
  forEachThread(pid, (dir, name) => {
    const st = readFileSync(`${dir}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    m.set(name, (m.get(name) ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS);
  });
  return m;
}

export interface ContextSwitches { voluntary: number; involuntary: number }

/**
 * Context switches so far per thread name of a process: voluntary = the thread blocked (epoll_wait,
 * a lock), involuntary = it was preempted by another thread or process wanting its core.
 */
export function threadSwitches(pid: number): Map<string, ContextSwitches> {
  const m = new Map<string, ContextSwitches>();
  forEachThread(pid, (dir, name) => {
    const st = readFileSync(`${dir}/status`, "utf8");
    const vol = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(st);
    const inv = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st);
    if (!vol || !inv) return;
    const acc = m.get(name) ?? { voluntary: 0, involuntary: 0 };
    acc.voluntary += Number(vol[1]);
    acc.involuntary += Number(inv[1]);
    m.set(name, acc);
  });
  return m;
}
