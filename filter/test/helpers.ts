// Shared set-up for the filter/service tests: both modules in one Emulator, the same Sentinel
// document for filter and service, and read-outs of the per-resource stats.
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Emulator, type EmulatorOptions, type VirtualConnection } from "../../host/src/runtime/emulator.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function built(name: string): string {
  const path = join(ROOT, "build", name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return path;
}

export const BUILDS = [
  { filter: "filter.wasm", service: "service.wasm" },
  { filter: "filter.debug.wasm", service: "service.debug.wasm" },
];

export interface Setup {
  /** Sentinel document (rules etc.) given to the filter, with `resource` set. */
  doc: Record<string, unknown>;
  /** The service's document; default: the filter's without the filter-only keys. */
  serviceDoc?: Record<string, unknown> | null;
  workers?: number;
  build?: { filter: string; service: string };
  logLevel?: EmulatorOptions["logLevel"];
  extra?: Partial<EmulatorOptions>;
}

const FILTER_ONLY = ["rtMode", "fallback", "staleAfterMs", "workers", "tickPeriodMs"];

export async function start(s: Setup): Promise<Emulator> {
  const b = s.build ?? BUILDS[0];
  const svcDoc = s.serviceDoc === undefined
    ? Object.fromEntries(Object.entries(s.doc).filter(([k]) => !FILTER_ONLY.includes(k)))
    : s.serviceDoc;
  return Emulator.create({
    workers: s.workers ?? 1,
    filters: [{ name: "sentinel_filter", rootId: "sentinel_filter", vmId: "sentinel", codePath: built(b.filter),
      pluginConfiguration: JSON.stringify(s.doc) }],
    services: svcDoc === null ? [] : [{ name: "sentinel_service", rootId: "sentinel_service", vmId: "sentinel",
      codePath: built(b.service), pluginConfiguration: JSON.stringify(svcDoc) }],
    logLevel: s.logLevel ?? "info",
    ...s.extra,
  });
}

/**
 * A per-resource stat after one filter tick (20 ms of virtual time): the filter flushes its
 * per-connection counters on every tick, not per connection.
 */
export function stat(emu: Emulator, name: string, resource: string): number {
  emu.advanceTime(20);
  return Number(emu.metric(`${name}_resource=${resource};`) ?? 0n);
}

/** True when the filter let the connection through (it was not closed by the host at once). */
export function admitted(c: VirtualConnection): boolean {
  return !(c.closed && c.closed.by === "host" && c.closed.reason === "wasm_downstream_close");
}

/** Lets the connection finish normally: upstream answers, then the client closes. */
export function finish(c: VirtualConnection): void {
  if (!admitted(c) || c.closed) return;
  c.downstreamData("req").upstreamData("resp").clientClose();
}

/**
 * A connection whose upstream refuses (an error for the error breakers): tcp_proxy closes the
 * downstream locally without an upstream byte. A connection the filter blocked is left as it is.
 */
export function refusedUpstream(emu: Emulator, worker: number): VirtualConnection {
  const c = emu.connect({ worker, autoConnectUpstream: false });
  if (admitted(c)) c.upstreamRefuse();
  return c;
}
