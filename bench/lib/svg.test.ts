import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeXml, niceTicks, renderChart, wrap } from "./svg.ts";

test("niceTicks: steps of 1, 2 or 5 x 10^k that cover the range", () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0, 404, 6), [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(niceTicks(6.2, 24.9), [5, 10, 15, 20, 25]);
  const t = niceTicks(0, 0.37);
  assert.ok(t[0] <= 0 && t[t.length - 1] >= 0.37);
  assert.deepEqual(niceTicks(3, 3), [3, 3.2, 3.4, 3.6, 3.8, 4]);
  assert.throws(() => niceTicks(0, Infinity), /bounds must be finite/);
});

test("renderChart: one path per series, a gap (null) starts a new sub-path, legend and labels escaped", () => {
  const svg = renderChart("A <b> & c", [{
    title: "conn/s", xLabel: "time (s)", yLabel: "connections/s",
    series: [
      { name: "plain", points: [[0, 10], [1, 12], [2, null], [3, 11], [4, 9]] },
      { name: "host & co", points: [[0, 8], [1, 9]], dashed: true },
    ],
    refLines: [{ y: 10, label: "threshold" }],
    bands: [{ from: 1, to: 2, label: "open", color: "#f00" }],
  }], "subtitle");
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.ok(svg.includes("A &lt;b&gt; &amp; c"));
  assert.ok(svg.includes(">host &amp; co<"));
  assert.ok(svg.includes(">threshold<") && svg.includes(">open<"));
  const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 2);
  assert.equal(paths[0].split("M").length - 1, 2, "the null point splits the first line in two");
  assert.equal((svg.match(/<circle /g) ?? []).length, 6);
  assert.ok(!/NaN|undefined/.test(svg), "no NaN or undefined coordinates");
  // tags balance: every <text> is closed
  assert.equal((svg.match(/<text /g) ?? []).length, (svg.match(/<\/text>/g) ?? []).length);
});

test("renderChart stacks panels and refuses an empty chart", () => {
  const panel = { title: "p", xLabel: "x", yLabel: "y", series: [{ name: "s", points: [[0, 1], [1, 2]] as Array<[number, number]> }] };
  const one = renderChart("t", [panel]);
  const two = renderChart("t", [panel, panel]);
  const h = (s: string) => Number(/height="(\d+)"/.exec(s)![1]);
  assert.equal(h(two) - h(one), 300);
  assert.throws(() => renderChart("t", []), /at least one panel/);
});

test("escapeXml and wrap", () => {
  assert.equal(escapeXml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
  assert.deepEqual(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
  assert.deepEqual(wrap("", 5), []);
});
