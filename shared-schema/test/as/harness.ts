// Test harness exported to node:test (see ../harness.ts): verifies, dumps and builds messages
// with the generated AS codec. Bytes come in through alloc()/free(); strings go out as the
// address and length of UTF-16 code units, so no loader library is needed.
import {
  Builder, WorkerReportReader, DecisionTableReader, verifyWorkerReport, verifyDecisionTable,
  dumpWorkerReport, dumpDecisionTable,
} from "../../gen/as/index";
import { Rng, Json, randomWorkerReportMessage, randomDecisionTableMessage } from "../../gen/as-test/random";

const builder = new Builder(256);
const json = new Json();
const wr = new WorkerReportReader();
const dt = new DecisionTableReader();
let lastString: string = "";

export function alloc(n: u32): usize {
  return heap.alloc(<usize>n);
}
export function free(p: usize): void {
  heap.free(p);
}

export function verify(kind: i32, ptr: usize, len: u32, maxTables: u32): bool {
  return kind == 0 ? verifyWorkerReport(ptr, len, maxTables) : verifyDecisionTable(ptr, len, maxTables);
}

/** Dumps the message (verified or not); returns the dump's length in UTF-16 units. */
export function dump(kind: i32, ptr: usize, len: u32, maxElems: i32): i32 {
  if (kind == 0) { wr.root(ptr, len); lastString = dumpWorkerReport(wr, maxElems); }
  else { dt.root(ptr, len); lastString = dumpDecisionTable(dt, maxElems); }
  return lastString.length;
}

/** Address of the UTF-16 code units of the last dump/json string. */
export function lastStringPtr(): usize {
  return changetype<usize>(lastString);
}
export function lastStringLength(): i32 {
  return lastString.length;
}

/** Builds a random message from seed into the shared builder; returns its length. */
export function random(kind: i32, seed: u64): u32 {
  const rng = new Rng(seed);
  if (kind == 0) randomWorkerReportMessage(builder, rng, json);
  else randomDecisionTableMessage(builder, rng, json);
  lastString = json.s;
  return builder.dataLen();
}
export function builtPtr(): usize {
  return builder.dataPtr();
}
export function builderGrows(): u32 {
  return builder.grows;
}

// --- steady-state allocation checks (run under --runtime stub, where nothing is ever freed
// except the most recent block, so any allocation moves the next address) ---

import {
  WorkerReportBuilder, ResourceReportBuilder, ResourceBucketBuilder, BlockCountStruct,
  ResourceReportReader, ResourceBucketReader, BlockCountReader, BlockReason,
  DecisionTableBuilder, ResourceDecisionBuilder, FlowDecisionBuilder, WorkerQuotaStruct,
  ResourceDecisionReader, FlowDecisionReader, WorkerQuotaReader,
} from "../../gen/as/index";

const offs = new StaticArray<u32>(64);
const bucketOffs = new StaticArray<u32>(4);
const rr = new ResourceReportReader();
const rb = new ResourceBucketReader();
const bc = new BlockCountReader();
const rd = new ResourceDecisionReader();
const fd = new FlowDecisionReader();
const wq = new WorkerQuotaReader();

/** Address the allocator hands out next (allocates and frees one block). */
export function allocProbe(): usize {
  const p = heap.alloc(8);
  heap.free(p);
  return p;
}

/** Builds a WorkerReport of n resources the way a filter tick would; returns its length. */
export function buildReport(n: i32, seq: u64): u32 {
  const b = builder;
  b.clear();
  for (let i = 0; i < n; i++) {
    const name = b.createString("tcp:orders");
    ResourceBucketBuilder.startBlockedVector(b, 2);
    BlockCountStruct.create(b, <u8>BlockReason.Isolation, 2);
    BlockCountStruct.create(b, <u8>BlockReason.Flow, <u32>i + 1);
    const blocked = b.endVector();
    ResourceBucketBuilder.startSlowVector(b, 1);
    b.addU32(<u32>i);
    const slow = b.endVector();
    ResourceBucketBuilder.start(b);
    ResourceBucketBuilder.addBucketStartMs(b, 1_700_000_000_000 + <u64>i * 500);
    ResourceBucketBuilder.addPass(b, <u32>i * 10);
    ResourceBucketBuilder.addBlocked(b, blocked);
    ResourceBucketBuilder.addSlow(b, slow);
    ResourceBucketBuilder.addRtSumMs(b, 12345);
    unchecked(bucketOffs[0] = ResourceBucketBuilder.end(b));
    const buckets = b.createOffsetVector(bucketOffs, 1);
    ResourceReportBuilder.start(b);
    ResourceReportBuilder.addResourceIndex(b, <u32>i);
    ResourceReportBuilder.addName(b, name);
    ResourceReportBuilder.addBuckets(b, buckets);
    ResourceReportBuilder.addTotalPass(b, seq * 10);
    unchecked(offs[i] = ResourceReportBuilder.end(b));
  }
  const resources = b.createOffsetVector(offs, n);
  WorkerReportBuilder.start(b);
  WorkerReportBuilder.addWorkerId(b, 3);
  WorkerReportBuilder.addVmNonce(b, 0xfeedface);
  WorkerReportBuilder.addSeq(b, seq);
  WorkerReportBuilder.addResources(b, resources);
  WorkerReportBuilder.finish(b, WorkerReportBuilder.end(b));
  return b.dataLen();
}

/** Verifies and reads every field a filter or service reads, with preallocated readers. */
export function readReport(ptr: usize, len: u32): u64 {
  if (!verifyWorkerReport(ptr, len)) return 0;
  wr.root(ptr, len);
  let sum: u64 = wr.seq() + wr.workerId() + wr.vmNonce();
  for (let i = 0; i < wr.resourcesLength(); i++) {
    wr.resources(i, rr);
    sum += rr.resourceIndex() + rr.totalPass() + <u64>rr.nameLength();
    if (rr.nameEquals(changetype<usize>(ORDERS_UTF8), 10)) sum += 1;
    for (let j = 0; j < rr.bucketsLength(); j++) {
      rr.buckets(j, rb);
      sum += rb.bucketStartMs() + rb.pass() + rb.rtSumMs() + rb.minRtMs();
      for (let k = 0; k < rb.blockedLength(); k++) {
        rb.blocked(k, bc);
        sum += <u64>bc.reason() * bc.count();
      }
      for (let k = 0; k < rb.slowLength(); k++) sum += rb.slow(k);
    }
  }
  return sum;
}

const ORDERS_UTF8 = memory.data<u8>([0x74, 0x63, 0x70, 0x3a, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73]);

/** Builds a DecisionTable of n resources with per-worker quotas, as the service would. */
export function buildTable(n: i32, version: u64): u32 {
  const b = builder;
  b.clear();
  for (let i = 0; i < n; i++) {
    FlowDecisionBuilder.startQuotasVector(b, 4);
    for (let w = 3; w >= 0; w--) WorkerQuotaStruct.create(b, 1_700_000_000_000, 0xabc0 + <u64>w, <u32>w, 25);
    const quotas = b.endVector();
    FlowDecisionBuilder.start(b);
    FlowDecisionBuilder.addAllowed(b, 100);
    FlowDecisionBuilder.addQuotas(b, quotas);
    unchecked(bucketOffs[0] = FlowDecisionBuilder.end(b));
    const flow = b.createOffsetVector(bucketOffs, 1);
    ResourceDecisionBuilder.start(b);
    ResourceDecisionBuilder.addResourceIndex(b, <u32>i);
    ResourceDecisionBuilder.addFlow(b, flow);
    unchecked(offs[i] = ResourceDecisionBuilder.end(b));
  }
  const resources = b.createOffsetVector(offs, n);
  DecisionTableBuilder.start(b);
  DecisionTableBuilder.addVersion(b, version);
  DecisionTableBuilder.addResources(b, resources);
  DecisionTableBuilder.finish(b, DecisionTableBuilder.end(b));
  return b.dataLen();
}

/** What a filter does on its tick: verify a new table once, then read its own quota. */
export function readTable(ptr: usize, len: u32, worker: u32): u64 {
  if (!verifyDecisionTable(ptr, len)) return 0;
  dt.root(ptr, len);
  let sum: u64 = dt.version();
  for (let i = 0; i < dt.resourcesLength(); i++) {
    dt.resources(i, rd);
    for (let j = 0; j < rd.flowLength(); j++) {
      rd.flow(j, fd);
      sum += fd.allowed();
      for (let k = 0; k < fd.quotasLength(); k++) {
        fd.quotas(k, wq);
        if (wq.workerId() == worker) sum += <u64>wq.granted() + wq.bucketStartMs() + wq.vmNonce();
      }
    }
  }
  return sum;
}

// --- hashes ---
import { fnv1a32, fnv1a64, resourceHash } from "../../assembly/index";

export function hash32(ptr: usize, len: u32): u32 {
  return fnv1a32(ptr, len);
}
export function hash64(ptr: usize, len: u32): u64 {
  return fnv1a64(ptr, len);
}
/** resourceHash of the UTF-16 code units at (ptr, units), copied into an AS string. */
export function hashName(ptr: usize, units: i32): u32 {
  const s = String.UTF16.decodeUnsafe(ptr, <usize>units << 1);
  return resourceHash(s);
}
