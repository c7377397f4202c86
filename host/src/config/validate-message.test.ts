// validateMessage: the schema stage alone, for config fragments that are not a whole bootstrap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, validateMessage } from "./index.ts";

const TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

test("validateMessage accepts a listener Filter and returns it normalized (lowerCamelCase read as proto names)", () => {
  const out = validateMessage("envoy.config.listener.v3.Filter", { name: "f", typedConfig: { "@type": TCP_PROXY, statPrefix: "s", cluster: "c" } });
  assert.deepEqual(Object.keys(out).sort(), ["name", "typed_config"]);
});

const cases: { name: string; type: string; value: unknown; path: string; message: RegExp }[] = [
  { name: "unknown field inside an Any, path continues from the given root", type: "envoy.config.listener.v3.Filter",
    value: { name: "f", typed_config: { "@type": TCP_PROXY, stat_prefix: "s", clustr: "c" } }, path: "patch.value.typed_config.clustr", message: /unknown field "clustr"/ },
  { name: "PGV rule (Filter.name min_len 1)", type: "envoy.config.listener.v3.Filter", value: { name: "" }, path: "patch.value.name", message: /.+/ },
  { name: "not a map", type: "envoy.config.bootstrap.v3.Bootstrap", value: [], path: "patch.value", message: /expected a map/ },
  { name: "type not in the vendored protos", type: "envoy.config.nope.v3.Nope", value: {}, path: "patch.value", message: /no message "envoy.config.nope.v3.Nope"/ },
];

for (const c of cases) {
  test(`validateMessage refuses: ${c.name}`, () => {
    assert.throws(() => validateMessage(c.type, c.value, "patch.value"), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.fieldPath, c.path, err.message);
      assert.match(err.message, c.message);
      return true;
    });
  });
}
