// Worker skew for the rate-limit scenarios: calibrate source tuples against the host under test,
// write the load client's skew plan, and put requested next to achieved shares afterwards.
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { calibrateWorkers, listeningPorts, type CalibrationResult } from "../lib/worker-calibration.ts";
import { candidateTuples, poolsByWorker, workerShares } from "../lib/tuple-pool.ts";
import type { StatMap } from "../lib/admin-stats.ts";
import type { Target } from "../lib/targets.ts";

/** Source tuples tried: 127.0.0.2..250, ports 20000..32000 (below the ephemeral range). */
const SOURCES = { addressFrom: 2, addressTo: 250, portFrom: 20000, portTo: 32000 };
/**
 * Tuples per worker: enough for half a second of the busiest worker's peak arrivals, so a tuple
 * is normally free again (its previous connection closed) long before it comes round again.
 */
const POOL_SECONDS = 0.5;

export interface SkewSetup {
  requested: { mode: "uniform" | "skew"; hotWorker: number; skew: number | null; shares: number[] };
  planFile: string;
  calibration: Omit<CalibrationResult, "mapping"> & { tuplesPerWorker: number[]; sources: typeof SOURCES };
}

export async function prepareSkew(host: Target, workers: number, skew: number | "uniform", peakRate: number, timeoutMs = 30_000): Promise<SkewSetup> {
  if (!host.admin || !host.config) throw new Error("skew: needs a host with an admin endpoint (per-worker listener counters)");
  const shares = workerShares(workers, skew === "uniform" ? "uniform" : skew, 0);
  const perWorker = Math.min(2000, Math.max(100, Math.ceil(peakRate * Math.max(...shares) * POOL_SECONDS)));
  // coupon collecting: the rarest of N equally likely workers needs more than N × perWorker probes
  const count = Math.min(60_000, Math.ceil(perWorker * workers * 1.6) + 200);
  const cal = await calibrateWorkers({
    host: "127.0.0.1", port: host.port, admin: host.admin, listenerStatPrefix: host.config.listenerStatPrefix, workers,
    candidates: candidateTuples({ ...SOURCES, exclude: listeningPorts(), count }), perWorker, timeoutMs,
  });
  const pools = poolsByWorker(cal.mapping, workers);
  pools.forEach((p, w) => { if (shares[w] > 0 && p.length === 0) throw new Error(`skew: calibration found no tuple for worker_${w} in ${cal.probes} probes`); });
  const planFile = path.join(os.tmpdir(), `bench-skew-plan-${process.pid}-${Date.now()}.json`);
  writeFileSync(planFile, JSON.stringify({ shares, pools }));
  const { mapping: _mapping, ...rest } = cal;
  return {
    requested: { mode: skew === "uniform" ? "uniform" : "skew", hotWorker: 0, skew: skew === "uniform" ? null : skew, shares },
    planFile,
    calibration: { ...rest, tuplesPerWorker: pools.map((p) => p.length), sources: SOURCES },
  };
}

const r4 = (x: number) => Math.round(x * 10000) / 10000;

/** Connections each worker accepted during the phase, from listener.<addr>.worker_<k>.downstream_cx_total. */
export function workerConnections(delta: StatMap, listenerStatPrefix: string, workers: number): number[] {
  return Array.from({ length: workers }, (_, w) => delta.get(`${listenerStatPrefix}.worker_${w}.downstream_cx_total`) ?? 0);
}

export function shares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total ? r4(c / total) : 0));
}

/** The `skew` object of the results: requested, what the client sent, what the host's workers accepted. */
export function skewReport(setup: SkewSetup | null, accepted: number[], client?: { offeredByWorker?: number[]; admittedByWorker?: number[] }) {
  const achieved = { connections: accepted, shares: shares(accepted) };
  if (!setup) return { requested: null, mode: "kernel", note: "no --skew: the kernel's SO_REUSEPORT hash of each ephemeral 4-tuple placed connections", achieved };
  const maxShareError = r4(Math.max(...setup.requested.shares.map((s, w) => Math.abs(s - achieved.shares[w]))));
  return {
    mode: setup.requested.mode, requested: { ...setup.requested, shares: setup.requested.shares.map(r4) }, achieved, maxShareError,
    client: { offeredByWorker: client?.offeredByWorker, admittedByWorker: client?.admittedByWorker },
    calibration: setup.calibration,
  };
}
