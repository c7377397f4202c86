// The README's promises, checked: its first two commands are the ones CI and users run, and every
// JSON configuration example in it is one the filter accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../filter/test/helpers.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

test("the README starts with the setup-and-run command and the test command", () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(firstBlock, "README has no sh block");
  assert.ok(readme.indexOf(firstBlock[0]) < readme.indexOf("\n## "), "the commands come before the first section");
  const commands = firstBlock[1].split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  assert.deepEqual(commands, ["npm ci && npm start", "npm test"]);
  const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
  assert.match(ci, /^npm test$/m, ".ci/run must run the README's test command");
});

const examples = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

test("the README has at least one filter configuration example", () => {
  assert.ok(examples.length >= 1);
});

for (const [i, text] of examples.entries()) {
  test(`README JSON example ${i + 1} is accepted by the filter and the service`, async () => {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const emu = await start({ doc, workers: 1 });
    try {
      const c = emu.connect({ worker: 1 });
      assert.ok(!c.closed, "a first connection passes under the example's rules");
    } finally {
      emu.shutdown();
    }
  });
}
