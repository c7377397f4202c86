// Steering connections to chosen workers of a SO_REUSEPORT listener group from the client side.
//
// Linux picks the listener of a reuseport group by a hash of the connection's 4-tuple (with a
// per-boot secret), so a given (source address, source port) towards one listener always lands on
// the same worker while the group is unchanged. A calibration phase (worker-calibration.ts) learns
// which worker accepts each source tuple; the pure parts here generate candidate tuples, turn the
// calibration into one pool per worker, and choose, arrival by arrival, a worker according to the
// requested shares and a tuple of its pool.

export interface SourceTuple { address: string; port: number }

export function tupleKey(t: SourceTuple): string { return `${t.address}:${t.port}`; }

export function parseTupleKey(key: string): SourceTuple {
  const m = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/.exec(key);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`source tuple "${key}": expected 127.x.y.z:port`);
  return { address: m[1], port };
}

/** Kernel ephemeral range: explicit source ports must stay out of it, or they race connect()'s own picks. */
export const EPHEMERAL = { from: 32768, to: 60999 };

export interface CandidateOptions {
  /** last octets of 127.0.0.x to use as source addresses, inclusive. */
  addressFrom: number; addressTo: number;
  portFrom: number; portTo: number;
  /** ports never to use (listeners or other sockets bound on this machine). */
  exclude: ReadonlySet<number>;
  count: number;
}

/**
 * `count` distinct source tuples, addresses varying fastest so the first tuples already spread
 * over many addresses. Throws naming the bad bound when the ranges are unusable.
 */
export function candidateTuples(o: CandidateOptions): SourceTuple[] {
  if (!Number.isInteger(o.addressFrom) || !Number.isInteger(o.addressTo) || o.addressFrom < 1 || o.addressTo > 254 || o.addressFrom > o.addressTo) {
    throw new Error(`source addresses: 127.0.0.${o.addressFrom}..127.0.0.${o.addressTo} is not a range inside 127.0.0.1..254`);
  }
  if (!Number.isInteger(o.portFrom) || !Number.isInteger(o.portTo) || o.portFrom < 1024 || o.portFrom > o.portTo || o.portTo > 65535) {
    throw new Error(`source ports: ${o.portFrom}..${o.portTo} is not a range inside 1024..65535`);
  }
  if (o.portFrom <= EPHEMERAL.to && o.portTo >= EPHEMERAL.from) {
    throw new Error(`source ports: ${o.portFrom}..${o.portTo} overlaps the ephemeral range ${EPHEMERAL.from}..${EPHEMERAL.to}`);
  }
  const ports: number[] = [];
  for (let p = o.portFrom; p <= o.portTo; p++) if (!o.exclude.has(p)) ports.push(p);
  const nAddr = o.addressTo - o.addressFrom + 1;
  if (o.count > ports.length * nAddr) throw new Error(`source tuples: ${o.count} asked, only ${ports.length * nAddr} in the ranges`);
  const out: SourceTuple[] = [];
  for (let i = 0; i < o.count; i++) out.push({ address: `127.0.0.${o.addressFrom + (i % nAddr)}`, port: ports[Math.floor(i / nAddr)] });
  return out;
}

/**
 * Requested share of arrivals per worker. `skew` null or "uniform": equal shares. A number s:
 * worker `hot` gets s, the others split 1 - s equally (s = 1/workers is uniform again).
 */
export function workerShares(workers: number, skew: number | "uniform" | null, hot = 0): number[] {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be an integer >= 1, got ${workers}`);
  if (!Number.isInteger(hot) || hot < 0 || hot >= workers) throw new Error(`hot worker must be 0..${workers - 1}, got ${hot}`);
  if (skew === null || skew === "uniform") return new Array<number>(workers).fill(1 / workers);
  if (typeof skew !== "number" || !Number.isFinite(skew) || skew < 0 || skew > 1) throw new Error(`skew must be a share 0..1 or "uniform", got ${JSON.stringify(skew)}`);
  if (workers === 1) { if (skew !== 1) throw new Error(`skew ${skew} needs at least 2 workers`); return [1]; }
  return Array.from({ length: workers }, (_, w) => (w === hot ? skew : (1 - skew) / (workers - 1)));
}

/** One pool of tuples per worker from calibration results ({tuple key -> worker index}). */
export function poolsByWorker(mapping: ReadonlyArray<{ tuple: string; worker: number }>, workers: number): string[][] {
  const pools: string[][] = Array.from({ length: workers }, () => []);
  for (const m of mapping) {
    if (!Number.isInteger(m.worker) || m.worker < 0 || m.worker >= workers) throw new Error(`calibration: tuple ${m.tuple} mapped to worker ${m.worker}, outside 0..${workers - 1}`);
    parseTupleKey(m.tuple);
    pools[m.worker].push(m.tuple);
  }
  return pools;
}

export interface SkewPlan { shares: number[]; pools: string[][] }

export function checkSkewPlan(p: unknown): SkewPlan {
  const o = p as SkewPlan;
  if (typeof o !== "object" || o === null || !Array.isArray(o.shares) || !Array.isArray(o.pools)) throw new Error(`skew plan: expected {"shares":[...],"pools":[[...],...]}`);
  if (o.shares.length !== o.pools.length) throw new Error(`skew plan: ${o.shares.length} shares but ${o.pools.length} pools`);
  const sum = o.shares.reduce((a, b) => a + b, 0);
  if (o.shares.some((s) => typeof s !== "number" || !(s >= 0)) || Math.abs(sum - 1) > 1e-6) throw new Error(`skew plan: shares must be >= 0 and sum to 1, got ${JSON.stringify(o.shares)}`);
  o.pools.forEach((pool, w) => {
    if (o.shares[w] > 0 && pool.length === 0) throw new Error(`skew plan: worker ${w} has share ${o.shares[w]} but no calibrated tuple`);
    for (const k of pool) parseTupleKey(k);
  });
  return o;
}

/**
 * Chooses, for each arrival, a worker by its share and a tuple of that worker's pool.
 * Workers: largest deficit first (share × arrivals so far − sent), so after n arrivals every
 * worker is within one connection of its share: a deterministic schedule, not a random draw, so
 * short intervals show the requested split too. Tuples: round robin over the pool, skipping any
 * tuple `busy` says is still in use (a live connection on it would make the bind fail).
 */
export class SkewSelector {
  readonly plan: SkewPlan;
  private readonly tuples: SourceTuple[][];
  private readonly cursor: number[];
  readonly sent: number[];
  private arrivals = 0;

  constructor(plan: SkewPlan) {
    this.plan = checkSkewPlan(plan);
    this.tuples = plan.pools.map((pool) => pool.map(parseTupleKey));
    this.cursor = plan.pools.map(() => 0);
    this.sent = plan.pools.map(() => 0);
  }

  /** null when every tuple of the chosen worker is busy (the arrival cannot be placed now). */
  next(busy: (key: string) => boolean = () => false): { worker: number; tuple: SourceTuple; key: string } | null {
    this.arrivals++;
    let worker = 0;
    let best = -Infinity;
    for (let w = 0; w < this.sent.length; w++) {
      const deficit = this.plan.shares[w] * this.arrivals - this.sent[w];
      if (this.plan.shares[w] > 0 && deficit > best) { best = deficit; worker = w; }
    }
    // counted as placed on the worker even if no tuple is free, so the shares of what the client
    // tried stay exact; the caller counts it as skipped
    this.sent[worker]++;
    const pool = this.tuples[worker];
    for (let i = 0; i < pool.length; i++) {
      const j = (this.cursor[worker] + i) % pool.length;
      const key = this.plan.pools[worker][j];
      if (busy(key)) continue;
      this.cursor[worker] = (j + 1) % pool.length;
      return { worker, tuple: pool[j], key };
    }
    return null;
  }
}
