// Sentinel singleton Wasm service: owns the `sentinel_reports` queue, aggregates the workers'
// WorkerReports into Sentinel sliding windows per resource, runs the process-wide circuit
// breakers (Closed -> Open here; HalfOpen transitions by the workers through the shared word) and
// publishes a versioned DecisionTable in shared data on every tick and on every breaker change.
import {
  registerRootContext, RootContext, Counter, Gauge, registerSharedQueue, drainSharedQueue, QueueConsumer, lastStatus,
  wasmResultName, log, WasmResult, nowMs, nowNs, setSharedDataBytes, getSharedData,
} from "../../abi/assembly";
import { decodeConfig, SentinelConfig, KIND_NUMBER, KIND_NULL, quote } from "../../sentinel/assembly/index";
import {
  WorkerReportReader, ResourceReportReader, ResourceBucketReader, BlockCountReader, verifyWorkerReport,
  Builder, DecisionTableBuilder, ResourceDecisionBuilder, BreakerDecisionBuilder, WorkerAckStruct,
} from "../../shared-schema/assembly/index";
import { TABLE_KEY, rulesKey } from "../../filter/assembly/ledger/keys";
import { FILTER_KEYS } from "../../filter/assembly/config";
import { ResourceAgg, MAX_VMS } from "./aggregate";
import * as S from "./stats";

export const ROOT_ID: string = "sentinel_service";
const P: string = "sentinel_service: ";
// Bound on items handled per callback, so one callback never runs unbounded.
const MAX_DRAIN: i32 = 1024;
/** Resources aggregated at once (configured ones plus ones first seen in reports). */
// @ts-ignore: decorator
@inline const MAX_RESOURCES: i32 = 64;

class VmTable {
  nonce: StaticArray<u64> = new StaticArray<u64>(MAX_VMS);
  workerId: StaticArray<u32> = new StaticArray<u32>(MAX_VMS);
  lastSeq: StaticArray<u64> = new StaticArray<u64>(MAX_VMS);
  lastReportMs: StaticArray<u64> = new StaticArray<u64>(MAX_VMS);
  lost: StaticArray<u32> = new StaticArray<u32>(MAX_VMS);
  active: StaticArray<bool> = new StaticArray<bool>(MAX_VMS);

  /** The slot of a VM, taking a free or the longest-silent one for a new VM. */
  slotFor(nonce: u64, nowMs: u64): i32 {
    let free = -1, oldest = 0;
    for (let i = 0; i < MAX_VMS; i++) {
      if (unchecked(this.active[i])) {
        if (unchecked(this.nonce[i]) == nonce) return i;
        if (unchecked(this.lastReportMs[i]) < unchecked(this.lastReportMs[oldest])) oldest = i;
      } else if (free < 0) free = i;
    }
    const s = free >= 0 ? free : oldest;
    unchecked(this.nonce[s] = nonce);
    unchecked(this.lastSeq[s] = 0);
    unchecked(this.lost[s] = 0);
    unchecked(this.lastReportMs[s] = nowMs);
    unchecked(this.active[s] = true);
    return s;
  }

  /** VMs silent for longer than expiryMs are dropped (their concurrency no longer counts). */
  expire(nowMs: u64, expiryMs: u64): i32 {
    let n = 0;
    for (let i = 0; i < MAX_VMS; i++) {
      if (!unchecked(this.active[i])) continue;
      if (nowMs > unchecked(this.lastReportMs[i]) + expiryMs) unchecked(this.active[i] = false);
      else n++;
    }
    return n;
  }
}

class ServiceRoot extends RootContext {
  queueToken: u32 = 0;
  readonly received: Counter = new Counter(S.REPORTS_RECEIVED);
  readonly malformed: Counter = new Counter(S.REPORTS_MALFORMED);
  readonly lost: Counter = new Counter(S.REPORTS_LOST);
  readonly published: Counter = new Counter(S.TABLES_PUBLISHED);
  readonly workersGauge: Gauge = new Gauge(S.WORKERS);
  cfg: SentinelConfig = new SentinelConfig();
  resources: Array<ResourceAgg> = new Array<ResourceAgg>(0);
  readonly vms: VmTable = new VmTable();
  tickMs: u32 = 100;
  /** When the tick's work last ran (by the timer or by a report arriving when it was due). */
  lastHousekeepingMs: u64 = 0;
  workerExpiryMs: u32 = 2000;
  version: u64 = 0;
  serviceNonce: u64 = 0;
  readonly builder: Builder = new Builder(4096);
  readonly offsets: StaticArray<u32> = new StaticArray<u32>(MAX_RESOURCES);
  readonly breakerOffsets: StaticArray<u32> = new StaticArray<u32>(64);
  readonly reports: ReportConsumer = new ReportConsumer(this);
  droppedResources: u64 = 0;

  onVmStart(vmConfigSize: u32): bool {
    this.queueToken = registerSharedQueue(S.REPORTS_QUEUE);
    if (this.queueToken == 0) {
      log.error(P + "cannot register queue " + S.REPORTS_QUEUE + ": " + wasmResultName(lastStatus()));
      return false;
    }
    this.received.define(); this.malformed.define(); this.lost.define(); this.published.define(); this.workersGauge.define();
    this.serviceNonce = nowNs() ^ 0x5bd1e9955bd1e995;
    log.info(P + "started; queue " + S.REPORTS_QUEUE + " token " + this.queueToken.toString());
    return true;
  }

  onConfigure(pluginConfigSize: u32): bool {
    const bytes = this.getPluginConfig();
    const input = bytes === null ? Uint8Array.wrap(String.UTF8.encode("{}", false)) : Uint8Array.wrap(bytes);
    const r = decodeConfig(input, ["tickPeriodMs", "workerExpiryMs"]);
    if (!r.ok) {
      log.error(P + "configuration rejected: " + r.error!);
      return false;
    }
    const cfg = r.config!;
    const tick = cfg.extra("tickPeriodMs");
    if (tick !== null && tick.kind != KIND_NULL) {
      if (tick.kind != KIND_NUMBER || tick.num != Math.floor(tick.num) || tick.num < 5 || tick.num > 1000) {
        log.error(P + "configuration rejected: field \"tickPeriodMs\" must be an integer between 5 and 1000");
        return false;
      }
      this.tickMs = <u32>tick.num;
    }
    const expiry = cfg.extra("workerExpiryMs");
    if (expiry !== null && expiry.kind != KIND_NULL) {
      if (expiry.kind != KIND_NUMBER || expiry.num != Math.floor(expiry.num) || expiry.num < 100 || expiry.num > 600000) {
        log.error(P + "configuration rejected: field \"workerExpiryMs\" must be an integer between 100 and 600000");
        return false;
      }
      this.workerExpiryMs = <u32>expiry.num;
    }
    this.cfg = cfg;
    this.resources = new Array<ResourceAgg>(0);
    // Every resource named by a rule (or by "resource"), in order of first appearance.
    if (cfg.hasResource) this.addResource(cfg.resource);
    for (let i = 0; i < cfg.flowRules.length; i++) this.addResource(cfg.flowRules[i].resource);
    for (let i = 0; i < cfg.isolationRules.length; i++) this.addResource(cfg.isolationRules[i].resource);
    for (let i = 0; i < cfg.circuitBreakerRules.length; i++) this.addResource(cfg.circuitBreakerRules[i].resource);
    for (let i = 0; i < this.resources.length; i++) this.resources[i].syncWords();
    this.setTickPeriod(this.tickMs);
    this.publish(nowMs());
    return true;
  }

  addResource(name: string, learned: bool = false): ResourceAgg | null {
    for (let i = 0; i < this.resources.length; i++) if (this.resources[i].name == name) return this.resources[i];
    if (this.resources.length >= MAX_RESOURCES) { this.droppedResources++; return null; }
    let a: ResourceAgg;
    if (learned) {
      const cas = this.rulesCasOf(name);
      a = new ResourceAgg(name, this.rulesFor(name));
      a.learned = true;
      a.rulesCas = cas;
    } else {
      a = new ResourceAgg(name, this.cfg);
    }
    a.define();
    // Its breakers' states as the words in shared data hold them, before anything is published
    // (a resource first seen in a report arrives mid-drain, after the drain read the others').
    a.syncWords();
    this.resources.push(a);
    return a;
  }

  private rulesCasOf(name: string): u32 {
    const r = getSharedData(rulesKey(name));
    return r.value === null ? 0 : r.cas;
  }

  /**
   * A filter configured anew republishes its document: aggregate with the new rules from then on
   * (Sentinel's reload: what the old rules counted carries over where it still applies).
   */
  refreshLearnedRules(): void {
    const res = this.resources;
    for (let i = 0; i < res.length; i++) {
      const a = unchecked(res[i]);
      if (!a.learned) continue;
      const cas = this.rulesCasOf(a.name);
      if (cas == 0 || cas == a.rulesCas) continue;
      const next = new ResourceAgg(a.name, this.rulesFor(a.name), a);
      next.learned = true;
      next.rulesCas = cas;
      next.define();
      next.syncWords();
      res[i] = next;
    }
  }

  /**
   * Rules for a resource first seen in a report: the service's own configuration has none for it,
   * so use the document the resource's filter published at configure time (same rules, same order).
   */
  rulesFor(name: string): SentinelConfig {
    const r = getSharedData(rulesKey(name));
    const v = r.value;
    if (v === null) return this.cfg;
    const d = decodeConfig(Uint8Array.wrap(v), FILTER_KEYS);
    if (!d.ok) return this.cfg;
    log.info(P + "resource " + quote(name) + ": aggregating with the rules its filter published (" +
      d.config!.flowRules.length.toString() + " flow, " + d.config!.isolationRules.length.toString() + " isolation, " +
      d.config!.circuitBreakerRules.length.toString() + " circuit breaker)");
    return d.config!;
  }

  findResource(hash: u32, ptr: usize, len: i32, rr: ResourceReportReader): ResourceAgg | null {
    for (let i = 0; i < this.resources.length; i++) {
      const a = unchecked(this.resources[i]);
      if (a.hash == hash && rr.nameEquals(changetype<usize>(a.nameBytes), a.nameBytes.byteLength)) return a;
    }
    if (len < 0) return null;
    const name = rr.name();
    if (name === null) return null;
    return this.addResource(name, true);
  }

  onQueueReady(token: u32): void {
    if (token != this.queueToken) return;
    const now = nowMs();
    this.drain(now);
    if (now - this.lastHousekeepingMs >= <u64>(this.tickMs / 2)) {
      // A report woke this thread in the second half of the tick's period: do the tick's work now
      // and start its period again, so a steady flow of reports (a worker sends one every 20-200 ms, up to this period less its own tick)
      // is not followed by timer wake-ups of its own. Each wake-up costs the thread more than the
      // work (host/src/runtime/README.md, "Performance"); the heartbeat stays within tickPeriodMs.
      this.housekeeping(now);
      this.setTickPeriod(this.tickMs);
    } else if (this.anyChanged()) {
      this.publish(now);
    }
  }

  onTick(): void {
    const now = nowMs();
    this.drain(now);
    this.housekeeping(now);
  }

  /**
   * The tick's work right after a drain: learned rules, orphans, then the heartbeat publication. The
   * drain has just read the breaker words (re-read after any change it makes; a resource is synced
   * when it is added or its learned rules change), so they are not read a second time here.
   */
  private housekeeping(now: u64): void {
    this.lastHousekeepingMs = now;
    const vms = this.vms;
    this.refreshLearnedRules();
    for (let i = 0; i < this.resources.length; i++) {
      const a = this.resources[i];
      a.reclaimOrphanProbes(now, <u64>this.workerExpiryMs, vms.active, vms.workerId, vms.lastReportMs);
      a.reclaimOrphanSlots(now, <u64>this.workerExpiryMs, vms.active, vms.workerId, vms.lastReportMs);
    }
    this.publish(now);
  }

  drain(now: u64): i32 {
    for (let i = 0; i < this.resources.length; i++) this.resources[i].syncWords();
    this.reports.nowMs = now;
    const n = drainSharedQueue(this.queueToken, this.reports, MAX_DRAIN);
    const s = lastStatus();
    if (s != WasmResult.Empty && s != WasmResult.Ok) log.warn(P + "dequeue failed: " + wasmResultName(s));
    if (n > 0) this.received.increment(n);
    return n;
  }

  anyChanged(): bool {
    for (let i = 0; i < this.resources.length; i++) if (this.resources[i].changed) return true;
    return false;
  }

  // ---- one report ------------------------------------------------------------------------

  readonly rep: WorkerReportReader = new WorkerReportReader();
  readonly rr: ResourceReportReader = new ResourceReportReader();
  readonly bk: ResourceBucketReader = new ResourceBucketReader();
  readonly bc: BlockCountReader = new BlockCountReader();

  apply(ptr: usize, len: u32, now: u64): void {
    if (!verifyWorkerReport(ptr, len)) { this.malformed.increment(1); return; }
    const rep = this.rep;
    if (!rep.root(ptr, len)) { this.malformed.increment(1); return; }
    const vms = this.vms;
    const slot = vms.slotFor(rep.vmNonce(), now);
    const seq = rep.seq();
    const last = unchecked(vms.lastSeq[slot]);
    if (seq <= last) { this.malformed.increment(1); return; } // a repeat: already aggregated
    if (last != 0 && seq > last + 1) {
      const gap = seq - last - 1;
      unchecked(vms.lost[slot] = vms.lost[slot] + <u32>gap);
      this.lost.increment(<i64>gap);
    }
    unchecked(vms.lastSeq[slot] = seq);
    unchecked(vms.lastReportMs[slot] = now);
    unchecked(vms.workerId[slot] = rep.workerId());
    const rr = this.rr, bk = this.bk, bc = this.bc;
    const nr = rep.resourcesLength();
    for (let i = 0; i < nr; i++) {
      if (!rep.resources(i, rr)) continue;
      const a = this.findResource(rr.resourceHash(), rr.namePtr(), rr.nameLength(), rr);
      if (a === null) continue;
      const node = a.guard.node;
      const nb = rr.bucketsLength();
      for (let j = 0; j < nb; j++) {
        if (!rr.buckets(j, bk)) continue;
        const at = bk.bucketStartMs();
        if (at == 0) continue;
        const pass = bk.pass();
        if (pass > 0) node.addPasses(at, <u64>pass);
        let blocked: u64 = 0;
        const nbc = bk.blockedLength();
        for (let q = 0; q < nbc; q++) if (bk.blocked(q, bc)) blocked += <u64>bc.count();
        if (blocked > 0) node.addBlocks(at, blocked);
        const complete = <u64>bk.complete();
        if (complete > 0) {
          node.addCompletions(at, complete, <u64>bk.error(), bk.rtSumMs(), <u64>bk.minRtMs());
          const ns = bk.slowLength();
          if (ns != a.breakerCount) a.warnBreakerMismatch(ns);
          const breakers = a.guard.breakers;
          for (let k = 0; k < breakers.length; k++) {
            const cb = unchecked(breakers[k]);
            const bad: u64 = cb.strategy == 0 ? (k < ns ? <u64>bk.slow(k) : 0) : <u64>bk.error();
            // Breakers take the service clock: reports from several workers arrive slightly out of
            // bucket order, and a ring evaluated at an older bucket would not see the newer ones.
            a.completions(k, now, complete, bad, now);
          }
        }
      }
      const total = rr.totalPass();
      const before = unchecked(a.vmTotalPass[slot]);
      if (total > before) {
        a.passes += total - before;
        a.aggPass.increment(<i64>(total - before));
        unchecked(a.vmTotalPass[slot] = total);
      }
      unchecked(a.vmConcurrency[slot] = rr.concurrency());
    }
  }

  // ---- publication -----------------------------------------------------------------------

  publish(now: u64): void {
    const vms = this.vms;
    const workers = vms.expire(now, <u64>this.workerExpiryMs);
    this.workersGauge.set(<u64>workers);
    const b = this.builder;
    b.clear();
    const res = this.resources;
    const nres = res.length;
    for (let i = 0; i < nres; i++) {
      const a = unchecked(res[i]);
      const conc = a.globalConcurrency(vms.active);
      a.guard.node.observeConcurrency(now, <i64>conc);
      a.publishGauges(now, conc);
      const breakers = a.guard.breakers;
      const nb = breakers.length < 64 ? breakers.length : 64;
      for (let k = 0; k < nb; k++) {
        const cb = unchecked(breakers[k]);
        const w = unchecked(a.words[k]);
        BreakerDecisionBuilder.start(b);
        BreakerDecisionBuilder.addStateChangedAtMs(b, w.changedAtMs);
        BreakerDecisionBuilder.addNextRetryMs(b, w.nextRetryMs);
        BreakerDecisionBuilder.addWindowTotal(b, cb.windowTotal(now));
        BreakerDecisionBuilder.addWindowBad(b, cb.windowBad(now));
        BreakerDecisionBuilder.addRuleIndex(b, <u32>k);
        BreakerDecisionBuilder.addStateEpoch(b, unchecked(a.wordEpoch[k]));
        BreakerDecisionBuilder.addProbeNum(b, cb.probeNum > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>cb.probeNum);
        BreakerDecisionBuilder.addProbeSuccesses(b, w.probeSuccesses);
        BreakerDecisionBuilder.addState(b, <u8>unchecked(a.wordState[k]));
        unchecked(this.breakerOffsets[k] = BreakerDecisionBuilder.end(b));
      }
      const bvec = nb > 0 ? b.createOffsetVector(this.breakerOffsets, nb) : 0;
      const name = b.createStringBytes(changetype<usize>(a.nameBytes), a.nameBytes.byteLength);
      const view = a.guard.node.defaultView;
      ResourceDecisionBuilder.start(b);
      const end = view.ring.bucketStartOf(now);
      ResourceDecisionBuilder.addWindowStartMs(b, end + <u64>view.ring.bucketLenMs - <u64>view.intervalMs);
      ResourceDecisionBuilder.addWindowPass(b, <u64>view.sum(0, now));
      ResourceDecisionBuilder.addWindowBlock(b, <u64>view.sum(1, now));
      ResourceDecisionBuilder.addWindowComplete(b, <u64>view.sum(2, now));
      ResourceDecisionBuilder.addWindowError(b, <u64>view.sum(3, now));
      ResourceDecisionBuilder.addResourceIndex(b, <u32>i);
      ResourceDecisionBuilder.addResourceHash(b, a.hash);
      ResourceDecisionBuilder.addName(b, name);
      ResourceDecisionBuilder.addGlobalConcurrency(b, conc);
      ResourceDecisionBuilder.addBreakers(b, bvec);
      unchecked(this.offsets[i] = ResourceDecisionBuilder.end(b));
      a.changed = false;
    }
    const rvec = nres > 0 ? b.createOffsetVector(this.offsets, nres) : 0;
    DecisionTableBuilder.startWorkersVector(b, workers);
    for (let i = MAX_VMS - 1; i >= 0; i--) {
      if (!unchecked(vms.active[i])) continue;
      WorkerAckStruct.create(b, unchecked(vms.nonce[i]), unchecked(vms.lastSeq[i]), unchecked(vms.lastReportMs[i]),
        unchecked(vms.workerId[i]), unchecked(vms.lost[i]));
    }
    const wvec = b.endVector();
    this.version++;
    DecisionTableBuilder.start(b);
    DecisionTableBuilder.addVersion(b, this.version);
    DecisionTableBuilder.addPublishedAtMs(b, now);
    DecisionTableBuilder.addServiceNonce(b, this.serviceNonce);
    DecisionTableBuilder.addPublishIntervalMs(b, this.tickMs);
    DecisionTableBuilder.addWorkers(b, wvec);
    DecisionTableBuilder.addResources(b, rvec);
    DecisionTableBuilder.finish(b, DecisionTableBuilder.end(b));
    const s = setSharedDataBytes(TABLE_KEY, b.dataPtr(), b.dataLen(), 0);
    if (s == WasmResult.Ok) this.published.increment(1);
    else log.warn(P + "cannot publish the decision table: " + wasmResultName(s));
  }
}

class ReportConsumer extends QueueConsumer {
  nowMs: u64 = 0;
  constructor(readonly root: ServiceRoot) { super(); }
  onItem(item: ArrayBuffer): void {
    this.root.apply(changetype<usize>(item), <u32>item.byteLength, this.nowMs);
  }
}

/** Registers the service's root context factory under ROOT_ID. No hostcall: safe at top level. */
export function registerService(): void {
  registerRootContext(ROOT_ID, (id: u32): RootContext => new ServiceRoot(id));
}

