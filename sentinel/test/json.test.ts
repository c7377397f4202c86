// The rule-file JSON parser: strict RFC 8259, clear errors with positions, and no trap on any input.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { loadHarness } from "./compile.ts";
import { bytes, harnessOptions } from "./util.ts";

const h = await loadHarness("json-harness.ts", harnessOptions);
const parse = (s: string | Uint8Array, depth = 64): string => h.exports.parse(typeof s === "string" ? bytes(s) : s, depth);

describe("JSON parser accepts strict JSON", () => {
  const cases: { name: string; input: string; out: string }[] = [
    { name: "nested object and array", input: '{"a":[1,true,false,null],"b":{}}', out: '{"a":[1,true,false,null],"b":{}}' },
    { name: "whitespace everywhere", input: ' \t\r\n{ "a" : [ 1 , 2 ] }\n', out: '{"a":[1,2]}' },
    { name: "top-level scalar", input: "42", out: "42" },
    { name: "negative and fractional numbers", input: "[-7,2.5,1e3,-0.25E-2]", out: "[-7,f2.5,f1000.0,f-0.0025]" },
    { name: "u64 max stays exact", input: "18446744073709551615", out: "18446744073709551615" },
    { name: "above u64 is no longer a plain integer", input: "18446744073709551616", out: "f18446744073709552000.0" },
    { name: "all simple escapes", input: '"\\"\\\\\\/\\b\\f\\n\\r\\t"', out: '"\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009"' },
    { name: "BMP \\u escape", input: '"\\u00e9"', out: '"\\u00e9"' },
    { name: "surrogate pair escape", input: '"\\ud83d\\ude00"', out: '"\\ud83d\\ude00"' },
    { name: "raw UTF-8 two to four bytes", input: '"é€😀"', out: '"\\u00e9\\u20ac\\ud83d\\ude00"' },
    { name: "UTF-8 byte order mark is skipped", input: "\ufeff[1]", out: "[1]" },
    { name: "duplicate keys are kept in order", input: '{"a":1,"a":2}', out: '{"a":1,"a":2}' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(parse(c.input), "ok:" + c.out));
});

describe("JSON parser rejects with a positioned sentence", () => {
  const cases: { name: string; input: string | Uint8Array; error: RegExp }[] = [
    { name: "empty input", input: "", error: /line 1, column 1 \(byte 0\): expected a value, got end of input/ },
    { name: "trailing comma in array", input: "[1,2,]", error: /byte 5\): trailing comma in array/ },
    { name: "trailing comma in object", input: '{"a":1,}', error: /byte 7\): trailing comma in object/ },
    { name: "line comment", input: "[1] // c", error: /unexpected character '\/' after the top-level value/ },
    { name: "block comment", input: "/* c */ [1]", error: /expected a value, got character '\/'/ },
    { name: "single quotes", input: "{'a':1}", error: /expected a string key in object, got character '''/ },
    { name: "unquoted key", input: "{a:1}", error: /expected a string key/ },
    { name: "leading zero", input: "[01]", error: /leading zeros are not allowed/ },
    { name: "leading plus", input: "+1", error: /expected a value, got character '\+'/ },
    { name: "bare dot fraction", input: "1.", error: /expected a digit after '\.'/ },
    { name: "empty exponent", input: "1e", error: /expected a digit in the exponent/ },
    { name: "NaN literal", input: "NaN", error: /expected a value/ },
    { name: "number overflowing f64", input: "[1e400]", error: /number 1e400 is out of range/ },
    { name: "unterminated string", input: '"abc', error: /byte 0\): unterminated string/ },
    { name: "raw control character in string", input: '"a\u0001"', error: /unescaped control character 0x01/ },
    { name: "bad escape", input: '"\\x41"', error: /invalid escape in string: character 'x'/ },
    { name: "short \\u escape", input: '"\\u12"', error: /invalid \\u escape/ },
    { name: "lone high surrogate", input: '"\\ud800"', error: /unpaired surrogate \\ud800/ },
    { name: "lone low surrogate", input: '"\\udc00x"', error: /unpaired surrogate \\udc00/ },
    { name: "high surrogate followed by non-low", input: '"\\ud800\\u0041"', error: /unpaired surrogate \\ud800/ },
    { name: "invalid UTF-8 continuation", input: new Uint8Array([0x22, 0xc3, 0x28, 0x22]), error: /invalid UTF-8 in string/ },
    { name: "overlong UTF-8", input: new Uint8Array([0x22, 0xc0, 0xaf, 0x22]), error: /invalid UTF-8/ },
    { name: "UTF-8 encoded surrogate", input: new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), error: /invalid UTF-8/ },
    { name: "truncated UTF-8 at end", input: new Uint8Array([0x22, 0xe2, 0x82]), error: /invalid UTF-8/ },
    { name: "second line position", input: '{\n  "a": tru\n}', error: /line 2, column 8 \(byte 9\): invalid literal, expected 'true'/ },
    { name: "two top-level values", input: "1 2", error: /unexpected character '2' after the top-level value/ },
    { name: "missing colon", input: '{"a" 1}', error: /expected ':' after object key/ },
    { name: "missing comma", input: "[1 2]", error: /expected ',' or ']' in array/ },
  ];
  for (const c of cases) test(c.name, () => {
    const out = parse(c.input);
    assert.ok(out.startsWith("error:invalid JSON at line "), out);
    assert.match(out, c.error);
  });

  test("nesting beyond the limit is refused, at the limit accepted", () => {
    assert.equal(parse("[[[1]]]", 3), "ok:[[[1]]]");
    assert.match(parse("[[[[1]]]]", 3), /nesting deeper than 3 levels/);
    assert.match(parse("[".repeat(100000) + "]".repeat(100000)), /nesting deeper than 64 levels/);
    assert.match(parse('{"a":'.repeat(1000)), /nesting deeper than 64 levels/);
  });
});

describe("JSON parser never traps (fuzz)", () => {
  // Deterministic xorshift so a failure reproduces; the seed is printed in the assertion message.
  function rng(seed: number) {
    let x = seed >>> 0 || 1;
    return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
  }
  const seeds = [
    '{"resource":"tcp:orders","flowRules":[{"resource":"tcp:orders","threshold":100,"statIntervalInMs":1000}]}',
    '[{"resource":"a","strategy":1,"retryTimeoutMs":3000,"threshold":0.5,"probeNum":2}]',
    '{"a":[1,-2.5e-3,"\\ud83d\\ude00",true,false,null,{"b":"é"}]}',
  ];
  const alphabet = bytes('{}[]:,"\\/ \n\t0123456789-+.eEtrufalsn\\u00e9d83dde00');

  test("5000 random and mutated inputs, bounded time", () => {
    const random = rng(0x5e17);
    const deadline = Date.now() + 20000;
    let accepted = 0, n = 0;
    for (; n < 5000 && Date.now() < deadline; n++) {
      let input: Uint8Array;
      const mode = n % 4;
      if (mode === 0) {
        input = new Uint8Array(Math.floor(random() * 64));
        for (let i = 0; i < input.length; i++) input[i] = Math.floor(random() * 256);
      } else if (mode === 1) {
        input = new Uint8Array(Math.floor(random() * 80));
        for (let i = 0; i < input.length; i++) input[i] = alphabet[Math.floor(random() * alphabet.length)];
      } else {
        const src = bytes(seeds[n % seeds.length]);
        input = mode === 2 ? src.slice(0, Math.floor(random() * (src.length + 1))) : src.slice();
        const flips = 1 + Math.floor(random() * 4);
        for (let k = 0; k < flips && input.length > 0; k++) {
          const at = Math.floor(random() * input.length);
          input[at] = random() < 0.5 ? Math.floor(random() * 256) : alphabet[Math.floor(random() * alphabet.length)];
        }
      }
      let ok: boolean;
      try {
        ok = h.exports.accepts(input);
      } catch (err) {
        assert.fail(`trap on input #${n} ${JSON.stringify(Array.from(input))}: ${err} ${h.aborts.join(" | ")}`);
      }
      if (ok) accepted++;
      // Cross-check acceptance against V8's JSON.parse for inputs that are valid UTF-8 without a BOM.
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
      let v8ok: boolean | undefined;
      try { const s = text.decode(input); if (!s.startsWith("\ufeff") && !/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f]|[\ud800-\udfff]/i.test(s)) { JSON.parse(s); v8ok = true; } }
      catch { v8ok = false; }
      if (v8ok !== undefined && !/\d[eE]\d{3}/.test(new TextDecoder().decode(input))) {
        assert.equal(ok, v8ok, `parser and JSON.parse disagree on ${JSON.stringify(new TextDecoder().decode(input))}`);
      }
    }
    assert.ok(n >= 1000, `only ${n} inputs ran before the time bound`);
    assert.ok(accepted > 0, "the fuzz corpus should contain some valid documents");
  });

  test("huge numbers, long strings and deep nesting do not trap", () => {
    for (const s of ["1" + "0".repeat(5000), "0." + "9".repeat(5000), "-" + "9".repeat(400) + "e-400",
      '"' + "x".repeat(100000) + '"', "[".repeat(64) + "]".repeat(64), "1e-400", "-1e308"]) {
      const out = parse(s);
      assert.ok(out.startsWith("ok:") || out.startsWith("error:"), out.slice(0, 100));
    }
    assert.match(parse("1" + "0".repeat(400)), /out of range/);
  });

  test("documents too big for a rule file are refused before they exhaust memory", () => {
    assert.match(parse("[" + "0,".repeat(150000) + "0]"), /more than 100000 values in the document/);
    assert.match(parse(" ".repeat((1 << 20) + 1) + "1"), /input is 1048578 bytes, more than the limit of 1048576/);
    assert.match(parse("[" + "0,".repeat(99998) + "0]"), /^ok:/);
  });
});
