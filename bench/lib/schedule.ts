// Open-loop arrival schedules: how many new connections should have been started t ms into a run.
// A schedule is a list of segments laid end to end; the load client starts connections whenever
// floor(scheduledCount(t)) exceeds what it has started, so arrivals never wait for earlier
// connections (open loop) and the offered rate is exactly the schedule's.

export type Segment =
  | { kind: "step"; rate: number; durationMs: number }              // constant connections/s
  | { kind: "ramp"; from: number; to: number; durationMs: number }  // linear change of rate
  | { kind: "burst"; count: number };                               // this many at one instant

export interface Schedule {
  segments: Segment[];
  /** Start of each segment in ms and the count scheduled before it, parallel to segments. */
  startsMs: number[];
  countsBefore: number[];
  durationMs: number;
  totalCount: number;
}

function segmentDuration(s: Segment): number {
  return s.kind === "burst" ? 0 : s.durationMs;
}

function segmentCount(s: Segment, elapsedMs: number): number {
  switch (s.kind) {
    case "burst": return s.count;
    case "step": return (s.rate * elapsedMs) / 1000;
    case "ramp": {
      const slope = (s.to - s.from) / s.durationMs;   // rate change per ms
      return (s.from * elapsedMs + (slope * elapsedMs * elapsedMs) / 2) / 1000;
    }
  }
}

function checkSegment(s: Segment, where: string): void {
  const finite = (v: number, name: string, min: number) => {
    if (!Number.isFinite(v) || v < min) throw new Error(`${where}: ${name} must be a finite number >= ${min}, got ${v}`);
  };
  if (s.kind === "burst") { finite(s.count, "count", 0); if (!Number.isInteger(s.count)) throw new Error(`${where}: burst count must be an integer, got ${s.count}`); return; }
  finite(s.durationMs, "durationMs", 1);
  if (s.kind === "step") finite(s.rate, "rate", 0);
  else { finite(s.from, "from", 0); finite(s.to, "to", 0); }
}

export function buildSchedule(segments: Segment[]): Schedule {
  if (segments.length === 0) throw new Error("schedule: at least one segment is required");
  const startsMs: number[] = [];
  const countsBefore: number[] = [];
  let t = 0;
  let n = 0;
  segments.forEach((s, i) => {
    checkSegment(s, `schedule segment ${i} (${s.kind})`);
    startsMs.push(t);
    countsBefore.push(n);
    n += segmentCount(s, segmentDuration(s));
    t += segmentDuration(s);
  });
  return { segments, startsMs, countsBefore, durationMs: t, totalCount: Math.floor(n + 1e-9) };
}

/** Cumulative connections scheduled at or before tMs (fractional; callers floor it). */
export function scheduledCount(sch: Schedule, tMs: number): number {
  if (tMs < 0) return 0;
  let total = 0;
  for (let i = 0; i < sch.segments.length; i++) {
    const s = sch.segments[i];
    const start = sch.startsMs[i];
    if (tMs < start) break;
    const d = segmentDuration(s);
    total = sch.countsBefore[i] + segmentCount(s, Math.min(tMs - start, d));
  }
  return total + 1e-9;   // absorbs float error so an exact integer boundary is not missed
}

/** Target rate (connections/s) at tMs, bursts excluded; for plotting the offered line. */
export function rateAt(sch: Schedule, tMs: number): number {
  for (let i = 0; i < sch.segments.length; i++) {
    const s = sch.segments[i];
    const start = sch.startsMs[i];
    if (s.kind === "burst" || tMs < start || tMs >= start + s.durationMs) continue;
    if (s.kind === "step") return s.rate;
    return s.from + ((s.to - s.from) * (tMs - start)) / s.durationMs;
  }
  return 0;
}

function parseDurationMs(text: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) throw new Error(`${where}: bad duration "${text}" (expected e.g. 500ms or 5s)`);
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

/**
 * Compact text form, comma separated:
 *   "1000@5s"          step: 1000 connections/s for 5 s
 *   "1000..3000@10s"   ramp from 1000/s to 3000/s over 10 s
 *   "+500"             burst of 500 connections at that instant
 * e.g. "500@2s,+200,500..2000@5s,2000@3s".
 */
export function parseSchedule(text: string): Schedule {
  const segments: Segment[] = text.split(",").map((raw, i) => {
    const item = raw.trim();
    const where = `schedule item ${i + 1} "${item}"`;
    let m = /^\+(\d+)$/.exec(item);
    if (m) return { kind: "burst", count: Number(m[1]) };
    m = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)@(.+)$/.exec(item);
    if (m) return { kind: "ramp", from: Number(m[1]), to: Number(m[2]), durationMs: parseDurationMs(m[3], where) };
    m = /^(\d+(?:\.\d+)?)@(.+)$/.exec(item);
    if (m) return { kind: "step", rate: Number(m[1]), durationMs: parseDurationMs(m[2], where) };
    throw new Error(`${where}: expected RATE@DURATION, FROM..TO@DURATION or +COUNT`);
  });
  return buildSchedule(segments);
}
