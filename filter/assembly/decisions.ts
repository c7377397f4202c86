// Reading the service's DecisionTable from shared data on each tick: verify a new version once,
// then copy out the few numbers the filter needs (staleness, publication period, worker count,
// breaker states and their windows' bad counts). The
// bytes are read zero-copy through bounds-checked readers; nothing is kept past the tick.
import { getSharedData } from "../../abi/assembly";
import {
  DecisionTableReader, ResourceDecisionReader, BreakerDecisionReader, WorkerAckReader, verifyDecisionTable,
} from "../../shared-schema/assembly/index";
import { TABLE_KEY } from "./ledger/keys";
import { BreakerState } from "./worker-rules";

export class DecisionView {
  private table: DecisionTableReader = new DecisionTableReader();
  private res: ResourceDecisionReader = new ResourceDecisionReader();
  private brk: BreakerDecisionReader = new BreakerDecisionReader();
  readonly nameBytes: ArrayBuffer;
  readonly hash: u32;
  /** Of the latest table that verified. */
  version: u64 = 0;
  serviceNonce: u64 = 0;
  publishedAtMs: u64 = 0;
  /** The service's heartbeat: it publishes at least this often (and at once on breaker changes). */
  publishIntervalMs: u32 = 0;
  workers: u32 = 0;
  seen: bool = false;
  /** Tables that failed verification (malformed bytes in shared data). */
  rejected: u64 = 0;

  constructor(resource: string, hash: u32) {
    this.nameBytes = String.UTF8.encode(resource, false);
    this.hash = hash;
  }

  private ack: WorkerAckReader = new WorkerAckReader();

  /** Reporters are root contexts; several listeners share one worker VM, so count worker ids. */
  private distinctWorkers(): u32 {
    const t = this.table;
    const n = t.workersLength();
    const ids = this.ids;
    let distinct = 0;
    for (let i = 0; i < n && distinct < ids.length; i++) {
      if (!t.workers(i, this.ack)) continue;
      const id = this.ack.workerId();
      let seen = false;
      for (let j = 0; j < distinct; j++) if (unchecked(ids[j]) == id) { seen = true; break; }
      if (!seen) { unchecked(ids[distinct] = id); distinct++; }
    }
    return <u32>distinct;
  }

  private ids: StaticArray<u32> = new StaticArray<u32>(64);

  /** Reads the table; updates breaker caches from it. Returns true when a new version was applied. */
  refresh(breakers: StaticArray<BreakerState>): bool {
    const r = getSharedData(TABLE_KEY);
    const v = r.value;
    if (v === null || v.byteLength == 0) return false;
    const ptr = changetype<usize>(v);
    const len = <u32>v.byteLength;
    const t = this.table;
    if (!t.root(ptr, len)) { this.rejected++; return false; }
    const version = t.version();
    const nonce = t.serviceNonce();
    if (this.seen && version == this.version && nonce == this.serviceNonce) return false;
    if (!verifyDecisionTable(ptr, len)) { this.rejected++; return false; }
    this.seen = true;
    this.version = version;
    this.serviceNonce = nonce;
    this.publishedAtMs = t.publishedAtMs();
    this.publishIntervalMs = t.publishIntervalMs();
    this.workers = this.distinctWorkers();
    const res = this.res;
    const n = t.resourcesLength();
    for (let i = 0; i < n; i++) {
      if (!t.resources(i, res)) continue;
      if (res.resourceHash() != this.hash || !res.nameEquals(changetype<usize>(this.nameBytes), this.nameBytes.byteLength)) continue;
      const nb = res.breakersLength();
      for (let k = 0; k < nb; k++) {
        if (!res.breakers(k, this.brk)) continue;
        const idx = this.brk.ruleIndex();
        if (idx >= <u32>breakers.length) continue;
        const b = unchecked(breakers[idx]);
        b.adopt(<u32>this.brk.state(), this.brk.stateEpoch(), this.brk.nextRetryMs());
        b.windowBad = this.brk.windowBad();
      }
      break;
    }
    return true;
  }
}
