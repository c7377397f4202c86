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
