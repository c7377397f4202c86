// Shared bits of the host conformance tests.
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/** Path of a built test module (build/test-modules/<name>.wasm); `npm test` builds them first. */
export function testModule(name: string): string {
  const p = fileURLToPath(new URL(`../../build/test-modules/${name}.wasm`, import.meta.url));
  if (!existsSync(p)) throw new Error(`${p} is missing: run \`node scripts/build.mjs\` first`);
  return p;
}

/** The log lines of one thread that start with a marker, without the "wasm log<prefix>: " part. */
export function facts(lines: string[], marker: string): string[] {
  return lines.map((l) => l.replace(/^wasm log[^:]*: /, "")).filter((l) => l.startsWith(marker));
}

/** Parses "a=1 b=x" into a record (values keep everything up to the next space). */
export function kv(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.split(" ")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}
