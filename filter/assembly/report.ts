// Per-resource counts since the previous WorkerReport, split into buckets of `bucketLenMs`
// (aligned to epoch multiples, so the service can rebuild every Sentinel window), and the builder
// that turns them into one FlatBuffers WorkerReport per tick. Fixed tables, sized at configure time;
// recording an event is a few stores, building reuses one Builder.
import {
  Builder, WorkerReportBuilder, ResourceReportBuilder, ResourceBucketBuilder, BlockCountStruct,
} from "../../shared-schema/assembly/index";

/** Buckets kept between two reports; a tick far shorter than a bucket touches one or two. */
// @ts-ignore: decorator
@inline export const REPORT_SLOTS: i32 = 8;
// Block reasons on the wire (BlockReason): Sentinel's numbers, plus our StaleFallback.
// @ts-ignore: decorator
@inline export const REASON_FLOW: u8 = 1;
// @ts-ignore: decorator
@inline export const REASON_ISOLATION: u8 = 2;
// @ts-ignore: decorator
@inline export const REASON_CIRCUIT_BREAKING: u8 = 3;
// @ts-ignore: decorator
@inline export const REASON_STALE_FALLBACK: u8 = 16;
// Local indexes of the reasons above.
// @ts-ignore: decorator
@inline const REASONS: i32 = 4;
// @ts-ignore: decorator
@inline const EMPTY: u64 = u64.MAX_VALUE;
// @ts-ignore: decorator
@inline const NO_RT: u32 = 60000;

export function reasonSlot(reason: u8): i32 {
  if (reason == REASON_FLOW) return 0;
  if (reason == REASON_ISOLATION) return 1;
  if (reason == REASON_CIRCUIT_BREAKING) return 2;
  return 3;
}

const WIRE_REASONS: StaticArray<u8> = [REASON_FLOW, REASON_ISOLATION, REASON_CIRCUIT_BREAKING, REASON_STALE_FALLBACK];

export class ResourceCounts {
  readonly bucketLenMs: u64;
  readonly breakers: i32;
  readonly nameBytes: ArrayBuffer;
  readonly hash: u32;
  starts: StaticArray<u64> = new StaticArray<u64>(REPORT_SLOTS);
  pass: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS);
  blocked: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS * REASONS);
  complete: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS);
  error: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS);
  rtSum: StaticArray<u64> = new StaticArray<u64>(REPORT_SLOTS);
  minRt: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS);
  maxConc: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS);
  slow: StaticArray<u32>;
  used: i32 = 0;
  /** Events put in the newest slot because all slots were taken (a tick longer than 8 buckets). */
  merged: u64 = 0;
  totalPass: u64 = 0;
  totalBlock: u64 = 0;
  totalComplete: u64 = 0;
  totalError: u64 = 0;
  concurrency: u32 = 0;
  lastReportedConcurrency: u32 = 0;
  /**
   * Holds a completion a breaker rule counts as bad (an error for an error rule, slower than
   * maxAllowedRtMs for a slow-ratio rule): the service's breakers may trip on it, so it is reported
   * on the next tick, not deferred.
   */
  urgent: bool = false;

  constructor(name: string, hash: u32, bucketLenMs: u32, breakers: i32) {
    this.nameBytes = String.UTF8.encode(name, false);
    this.hash = hash;
    this.bucketLenMs = bucketLenMs == 0 ? 1 : <u64>bucketLenMs;
    this.breakers = breakers;
    this.slow = new StaticArray<u32>(REPORT_SLOTS * (breakers > 0 ? breakers : 1));
    this.reset();
  }

  private reset(): void {
    for (let i = 0; i < REPORT_SLOTS; i++) this.clearSlot(i);
    this.used = 0;
  }

  private clearSlot(i: i32): void {
    unchecked(this.starts[i] = EMPTY);
    unchecked(this.pass[i] = 0);
    for (let r = 0; r < REASONS; r++) unchecked(this.blocked[i * REASONS + r] = 0);
    unchecked(this.complete[i] = 0);
    unchecked(this.error[i] = 0);
    unchecked(this.rtSum[i] = 0);
    unchecked(this.minRt[i] = NO_RT);
    unchecked(this.maxConc[i] = 0);
    for (let k = 0; k < this.breakers; k++) unchecked(this.slow[i * this.breakers + k] = 0);
  }

  get dirty(): bool { return this.used > 0 || this.concurrency != this.lastReportedConcurrency; }

  /** Whether events up to `untilMs` still fit in the slots without merging buckets. */
  holdsUntil(untilMs: u64): bool {
    return this.used == 0 || untilMs < unchecked(this.starts[0]) + <u64>(REPORT_SLOTS - 1) * this.bucketLenMs;
  }

  /** The slot for an event at nowMs. */
  private slotFor(nowMs: u64): i32 {
    const start = nowMs - nowMs % this.bucketLenMs;
    const n = this.used;
    for (let i = n - 1; i >= 0; i--) if (unchecked(this.starts[i]) == start) return i;
    if (n > 0 && start < unchecked(this.starts[n - 1])) {
      // An older bucket than the newest one (clock stepped back): attribute it to the newest.
      this.merged++;
      return n - 1;
    }
    if (n >= REPORT_SLOTS) { this.merged++; return n - 1; }
    unchecked(this.starts[n] = start);
    this.used = n + 1;
    return n;
  }

  onPass(nowMs: u64): void {
    const i = this.slotFor(nowMs);
    unchecked(this.pass[i] = this.pass[i] + 1);
    this.concurrency++;
    if (this.concurrency > unchecked(this.maxConc[i])) unchecked(this.maxConc[i] = this.concurrency);
    this.totalPass++;
  }

  onBlock(nowMs: u64, reason: u8): void {
    const i = this.slotFor(nowMs);
    const p = i * REASONS + reasonSlot(reason);
    unchecked(this.blocked[p] = this.blocked[p] + 1);
    this.totalBlock++;
  }

  /**
   * One completed entry; `slowMask` bit k = slower than breaker rule k's maxAllowedRtMs; `bad`: a
   * breaker rule counts it against the resource (an error for an error rule, slow for a slow one).
   */
  onComplete(nowMs: u64, rtMs: u64, failed: bool, slowMask: u64, bad: bool): void {
    const i = this.slotFor(nowMs);
    unchecked(this.complete[i] = this.complete[i] + 1);
    if (failed) { unchecked(this.error[i] = this.error[i] + 1); this.totalError++; }
    if (bad) this.urgent = true;
    unchecked(this.rtSum[i] = this.rtSum[i] + rtMs);
    const rt32: u32 = rtMs > <u64>NO_RT ? NO_RT : <u32>rtMs;
    if (rt32 < unchecked(this.minRt[i])) unchecked(this.minRt[i] = rt32);
    for (let k = 0; k < this.breakers; k++) {
      if ((slowMask >> <u64>k) & 1) { const p = i * this.breakers + k; unchecked(this.slow[p] = this.slow[p] + 1); }
    }
    if (this.concurrency > 0) this.concurrency--;
    this.totalComplete++;
  }

  /** Builds this resource's ResourceReport into b (children first) and clears the buckets. */
  build(b: Builder, index: u32, offsets: StaticArray<u32>): u32 {
    const n = this.used;
    for (let i = 0; i < n; i++) {
      let nb = 0;
      for (let r = 0; r < REASONS; r++) if (unchecked(this.blocked[i * REASONS + r]) > 0) nb++;
      let blockedVec: u32 = 0;
      if (nb > 0) {
        ResourceBucketBuilder.startBlockedVector(b, nb);
        for (let r = REASONS - 1; r >= 0; r--) {
          const c = unchecked(this.blocked[i * REASONS + r]);
          if (c > 0) BlockCountStruct.create(b, unchecked(WIRE_REASONS[r]), c);
        }
        blockedVec = b.endVector();
      }
      let slowVec: u32 = 0;
      if (this.breakers > 0) {
        ResourceBucketBuilder.startSlowVector(b, this.breakers);
        for (let k = this.breakers - 1; k >= 0; k--) b.addU32(unchecked(this.slow[i * this.breakers + k]));
        slowVec = b.endVector();
      }
      ResourceBucketBuilder.start(b);
      ResourceBucketBuilder.addBucketStartMs(b, unchecked(this.starts[i]));
      ResourceBucketBuilder.addRtSumMs(b, unchecked(this.rtSum[i]));
      ResourceBucketBuilder.addPass(b, unchecked(this.pass[i]));
      ResourceBucketBuilder.addBlocked(b, blockedVec);
      ResourceBucketBuilder.addComplete(b, unchecked(this.complete[i]));
      ResourceBucketBuilder.addError(b, unchecked(this.error[i]));
      ResourceBucketBuilder.addMinRtMs(b, unchecked(this.minRt[i]));
      ResourceBucketBuilder.addMaxConcurrency(b, unchecked(this.maxConc[i]));
      ResourceBucketBuilder.addSlow(b, slowVec);
      unchecked(offsets[i] = ResourceBucketBuilder.end(b));
    }
    const buckets = n > 0 ? b.createOffsetVector(offsets, n) : 0;
    const name = b.createStringBytes(changetype<usize>(this.nameBytes), this.nameBytes.byteLength);
    ResourceReportBuilder.start(b);
    ResourceReportBuilder.addTotalPass(b, this.totalPass);
    ResourceReportBuilder.addTotalBlock(b, this.totalBlock);
    ResourceReportBuilder.addTotalComplete(b, this.totalComplete);
    ResourceReportBuilder.addTotalError(b, this.totalError);
    ResourceReportBuilder.addResourceIndex(b, index);
    ResourceReportBuilder.addResourceHash(b, this.hash);
    ResourceReportBuilder.addName(b, name);
    ResourceReportBuilder.addBuckets(b, buckets);
    ResourceReportBuilder.addConcurrency(b, this.concurrency);
    const off = ResourceReportBuilder.end(b);
    this.lastReportedConcurrency = this.concurrency;
    this.urgent = false;
    this.reset();
    return off;
  }
}

/** Identity and sequencing of one VM's reports. */
export class ReportWriter {
  readonly builder: Builder = new Builder(4096);
  readonly offsets: StaticArray<u32> = new StaticArray<u32>(REPORT_SLOTS);
  readonly one: StaticArray<u32> = new StaticArray<u32>(1);
  seq: u64 = 0;

  /** Builds the report for one resource; the message is (builder.dataPtr(), builder.dataLen()). */
  build(counts: ResourceCounts, workerId: u32, vmNonce: u64, nowMs: u64, appliedVersion: u64, stale: bool): void {
    const b = this.builder;
    b.clear();
    const res = counts.build(b, 0, this.offsets);
    unchecked(this.one[0] = res);
    const resources = b.createOffsetVector(this.one, 1);
    this.seq++;
    WorkerReportBuilder.start(b);
    WorkerReportBuilder.addVmNonce(b, vmNonce);
    WorkerReportBuilder.addSeq(b, this.seq);
    WorkerReportBuilder.addReportedAtMs(b, nowMs);
    WorkerReportBuilder.addAppliedTableVersion(b, appliedVersion);
    WorkerReportBuilder.addWorkerId(b, workerId);
    WorkerReportBuilder.addBucketLengthMs(b, <u32>counts.bucketLenMs);
    WorkerReportBuilder.addStale(b, stale);
    WorkerReportBuilder.addResources(b, resources);
    WorkerReportBuilder.finish(b, WorkerReportBuilder.end(b));
  }
}
