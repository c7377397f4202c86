// Golden fixtures: committed bytes from the flatc TS builder, decoded by both languages.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ByteBuffer } from "flatbuffers";
import * as wire from "../gen/js/sentinel-wire.js";
import { loadHarness, type Harness } from "./harness.ts";
import { GOLDEN_WORKER_REPORT, GOLDEN_DECISION_TABLE } from "./golden.ts";
import { dumpRoot } from "../ts/dump.ts";
import { verifyRoot } from "../ts/verify.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
const FILES = { WorkerReport: "worker-report.bin", DecisionTable: "decision-table.bin" } as const;
const BUILD = { WorkerReport: GOLDEN_WORKER_REPORT, DecisionTable: GOLDEN_DECISION_TABLE } as const;
let h: Harness;

before(async () => {
  h = await loadHarness();
  if (process.env.UPDATE_FIXTURES) for (const k of Object.keys(FILES) as (keyof typeof FILES)[]) writeFileSync(join(fixtures, FILES[k]), BUILD[k]());
});

for (const root of ["WorkerReport", "DecisionTable"] as const) {
  test(`${root}: the TS builder still writes the committed fixture byte for byte`, () => {
    const path = join(fixtures, FILES[root]);
    assert.ok(existsSync(path), `${path} is missing (UPDATE_FIXTURES=1 writes it)`);
    assert.deepEqual(Buffer.from(BUILD[root]()), readFileSync(path));
  });

  test(`${root}: the fixture verifies and decodes identically in AS and TS`, () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, FILES[root])));
    assert.ok(verifyRoot(bytes, root));
    assert.ok(h.verify(root, bytes));
    assert.equal(h.dump(root, bytes), dumpRoot(bytes, root));
  });
}

test("WorkerReport fixture: the AS reader sees the values written", () => {
  const d = h.dump("WorkerReport", new Uint8Array(readFileSync(join(fixtures, FILES.WorkerReport))));
  const hexName = Buffer.from("tcp:orders").toString("hex");
  assert.equal(d,
    `{"worker_id":3,"vm_nonce":${0x1234_5678_9abc_def0n},"seq":42,"reported_at_ms":1764000000123,` +
    `"config_generation":${0xcafe_f00d_dead_beefn},"bucket_length_ms":500,"applied_table_version":17,"stale":false,` +
    `"resources":[{"resource_index":0,"resource_hash":2166136261,"name":"${hexName}","buckets":[` +
    `{"bucket_start_ms":1764000000000,"pass":12,"blocked":[{"reason":1,"count":5},{"reason":16,"count":1}],"complete":9,"error":1,"rt_sum_ms":4321,"min_rt_ms":3,"max_concurrency":8,"slow":[2,0]},` +
    `{"bucket_start_ms":1764000000500,"pass":1,"blocked":[],"complete":0,"error":0,"rt_sum_ms":0,"min_rt_ms":60000,"max_concurrency":0,"slow":[]}],` +
    `"concurrency":7,"total_pass":1000,"total_block":20,"total_complete":993,"total_error":4,` +
    `"breakers":[{"state_epoch":9,"probes_admitted":1,"half_open_good":1,"half_open_bad":0,"probes_aborted":0,"rule_index":1}]}]}`);
});

test("DecisionTable fixture: the flatc TS reader sees the values written", () => {
  const bb = new ByteBuffer(new Uint8Array(readFileSync(join(fixtures, FILES.DecisionTable))));
  assert.ok(wire.DecisionTable.bufferHasIdentifier(bb));
  const t = wire.DecisionTable.getRootAsDecisionTable(bb);
  assert.equal(t.version(), 1001n);
  assert.equal(t.publishIntervalMs(), 20);
  const r = t.resources(0)!;
  assert.equal(r.name(), "tcp:orders");
  const b = r.breakers(0)!;
  assert.equal(b.state(), wire.CircuitState.HalfOpen);
  assert.equal(b.probes(0)!.workerId(), 3);
  assert.equal(b.probes(0)!.probes(), 1);
  assert.equal(r.flow(0)!.quotas(1)!.granted(), 30);
  assert.equal(r.isolation(0)!.quotas(0)!.granted(), 12);
});
