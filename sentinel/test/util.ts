// Shared helpers for the sentinel node:test suites.
import { loadHarness } from "./compile.ts";
import type { Harness } from "./compile.ts";

const encoder = new TextEncoder();
export const bytes = (s: string): Uint8Array => encoder.encode(s);

/** A realistic epoch-ms base aligned to 10 s, so every window boundary in a test is explicit. */
export const T0 = 1578416550000n;

let harness: Promise<Harness> | undefined;
/** SENTINEL_HARNESS_DEBUG=1 runs the suites against an unoptimised (--debug) build instead of -O2. */
export const harnessOptions = { optimize: process.env.SENTINEL_HARNESS_DEBUG !== "1" };
export function sentinel(): Promise<Harness> {
  harness ??= loadHarness("sentinel-harness.ts", harnessOptions);
  return harness;
}

/** Builds a guard for `resource` from a config object; throws with the decoder's sentence on error. */
export async function guard(config: unknown, resource: string): Promise<{ h: number; e: Record<string, any> }> {
  const { exports: e } = await sentinel();
  const h = e.guardNew(bytes(JSON.stringify(config)), resource);
  if (h < 0) throw new Error(e.getLastError());
  return { h, e };
}

export async function decode(config: string, extraKeys = ""): Promise<{ ok: true; value: any } | { ok: false; error: string }> {
  const { exports: e } = await sentinel();
  const out: string = e.decodeSummary(bytes(config), extraKeys);
  if (out.startsWith("ok:")) return { ok: true, value: JSON.parse(out.slice(3)) };
  return { ok: false, error: out.slice(6) };
}
