// The live progress line on stderr: where the run is, and what the load client saw in its last
// interval. On a terminal it redraws one line; otherwise (CI logs) it prints one line per interval.
import type { IntervalReport } from "./load-client.ts";

export class Progress {
  readonly scenario: string;
  plannedMs: number;
  readonly t0 = Date.now();
  private phase = "";
  private readonly tty: boolean;
  private readonly out: NodeJS.WriteStream;
  private lastLen = 0;

  constructor(scenario: string, plannedMs: number, out: NodeJS.WriteStream = process.stderr) {
    this.scenario = scenario;
    this.plannedMs = plannedMs;
    this.out = out;
    this.tty = !!out.isTTY;
  }

  setPhase(text: string): void {
    this.phase = text;
    this.draw(`${this.phase}  starting`);
  }

  interval(r: IntervalReport): void {
    // the short tail interval at the end of a load phase gives meaningless per-second rates
    if (r.intervalMs < 200) return;
    const secs = r.intervalMs / 1000 || 1;
    const perSec = (n: number) => Math.round(n / secs);
    const mb = (r.bytesIn / 1e6 / secs).toFixed(1);
    this.draw(`${this.phase}  offered ${perSec(r.offered)}/s  admitted ${perSec(r.admitted)}/s  blocked ${perSec(r.blocked)}/s  ` +
      `errors ${perSec(r.failed + r.refused)}/s  ${mb} MB/s  active ${r.active}  p99 ${r.latency.p99} ms` +
      (r.skipped ? `  CLIENT LAGGING: skipped ${perSec(r.skipped)}/s` : ""));
  }

  /** A line that stays (notes, warnings). */
  note(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  done(): void {
    this.clear();
  }

  private clock(): string {
    const elapsed = (Date.now() - this.t0) / 1000;
    const remaining = Math.max(0, this.plannedMs / 1000 - elapsed);
    return `[${this.scenario} ${elapsed.toFixed(0)}s elapsed, ~${remaining.toFixed(0)}s left]`;
  }

  private draw(text: string): void {
    const line = `${this.clock()} ${text}`;
    if (this.tty) {
      const width = this.out.columns ?? 160;
      const cut = line.length > width - 1 ? line.slice(0, width - 1) : line;
      this.out.write(`\r${cut}${" ".repeat(Math.max(0, this.lastLen - cut.length))}`);
      this.lastLen = cut.length;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  private clear(): void {
    if (this.tty && this.lastLen) this.out.write(`\r${" ".repeat(this.lastLen)}\r`);
    this.lastLen = 0;
  }
}
