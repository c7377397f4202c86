// The golden messages: fixed values written with the flatc TS object API. Their bytes are
// committed in fixtures/*.bin so a change of flatc, the runtime or the schema shows up as a
// byte diff, and both decoders are checked against them.
//   UPDATE_FIXTURES=1 node --test shared-schema/test/golden.test.ts   rewrites the files
import * as wire from "../gen/js/sentinel-wire.js";
import { encodeRoot } from "./random-values.ts";

const W = wire as unknown as Record<string, any>;
const T = (name: string, props: Record<string, unknown>) => Object.assign(new W[name + "T"](), props);

export const GOLDEN_WORKER_REPORT = () => encodeRoot("WorkerReport", T("WorkerReport", {
  workerId: 3,
  vmNonce: 0x1234_5678_9abc_def0n,
  seq: 42n,
  reportedAtMs: 1_764_000_000_123n,
  configGeneration: 0xcafe_f00d_dead_beefn,
  bucketLengthMs: 500,
  appliedTableVersion: 17n,
  stale: false,
  resources: [
    T("ResourceReport", {
      resourceIndex: 0,
      resourceHash: 0x811c9dc5,
      name: "tcp:orders",
      concurrency: 7,
      totalPass: 1000n, totalBlock: 20n, totalComplete: 993n, totalError: 4n,
      buckets: [
        T("ResourceBucket", {
          bucketStartMs: 1_764_000_000_000n, pass: 12, complete: 9, error: 1, rtSumMs: 4321n, minRtMs: 3,
          maxConcurrency: 8, slow: [2, 0],
          blocked: [T("BlockCount", { reason: wire.BlockReason.Flow, count: 5 }), T("BlockCount", { reason: wire.BlockReason.StaleFallback, count: 1 })],
        }),
        T("ResourceBucket", { bucketStartMs: 1_764_000_000_500n, pass: 1, blocked: [], slow: [] }),
      ],
      breakers: [T("BreakerReport", { stateEpoch: 9, probesAdmitted: 1, halfOpenGood: 1, halfOpenBad: 0, probesAborted: 0, ruleIndex: 1 })],
    }),
  ],
}));

export const GOLDEN_DECISION_TABLE = () => encodeRoot("DecisionTable", T("DecisionTable", {
  version: 1001n,
  publishedAtMs: 1_764_000_000_140n,
  configGeneration: 0xcafe_f00d_dead_beefn,
  serviceNonce: 77n,
  publishIntervalMs: 20,
  workers: [T("WorkerAck", { vmNonce: 0x1234_5678_9abc_def0n, lastSeq: 42n, lastReportMs: 1_764_000_000_123n, workerId: 3, lostReports: 0 })],
  resources: [
    T("ResourceDecision", {
      resourceIndex: 0, resourceHash: 0x811c9dc5, name: "tcp:orders", globalConcurrency: 31,
      windowStartMs: 1_764_000_000_000n, windowPass: 60n, windowBlock: 5n, windowComplete: 50n, windowError: 2n,
      flow: [T("FlowDecision", {
        ruleIndex: 0, statIntervalMs: 1000, bucketLengthMs: 500, windowStartMs: 1_763_999_999_500n,
        currentBucketStartMs: 1_764_000_000_000n, allowed: 100, globalPass: 60,
        quotas: [
          T("WorkerQuota", { bucketStartMs: 1_764_000_000_000n, vmNonce: 0x1234_5678_9abc_def0n, workerId: 3, granted: 10 }),
          T("WorkerQuota", { bucketStartMs: 1_764_000_000_000n, vmNonce: 5n, workerId: 0, granted: 30 }),
        ],
      })],
      isolation: [T("IsolationDecision", { ruleIndex: 0, allowed: 40, globalConcurrency: 31,
        quotas: [T("ConcurrencyQuota", { vmNonce: 5n, workerId: 0, granted: 12 })] })],
      breakers: [T("BreakerDecision", {
        ruleIndex: 1, state: wire.CircuitState.HalfOpen, stateEpoch: 9, stateChangedAtMs: 1_764_000_000_100n,
        nextRetryMs: 0n, probeNum: 0, probeSuccesses: 0, windowTotal: 10n, windowBad: 6n,
        probes: [T("ProbeGrant", { vmNonce: 0x1234_5678_9abc_def0n, workerId: 3, stateEpoch: 9, probes: 1 })],
      })],
    }),
  ],
}));
