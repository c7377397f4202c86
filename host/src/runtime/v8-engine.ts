// The V8 settings Envoy gives every Wasm module, applied to this process before the host compiles one.
// proxy-wasm cpp-host (src/v8/v8.cc, engine(), read 2026-11-26 at 52a0291) starts its engine with
//   --no-liftoff                 every function is compiled by the optimizing tier (TurboFan) before
//                                it first runs; Liftoff, V8's baseline tier, is never used
//   --wasm_max_mem_pages=16384   PROXY_WASM_HOST_MAX_WASM_MEMORY_SIZE_BYTES (1 GiB) in 64 KiB pages
// Node's defaults differ on both: functions start in Liftoff and move to TurboFan only after about
// 13 MB of their bytecode has run (--wasm-tiering-budget), so a small per-connection callback stays
// in baseline code for the first tens of thousands of connections; and memories may grow to
// 4 GiB. A module measured or tested here would run code Envoy never runs and could grow memory
// Envoy refuses. V8 flags are per process: worker threads compile with what the main thread set.
// cpp-host also sets --stack-trace-limit=20 (frames in a trap's backtrace); that flag would change
// every JS error of the host as well, so it is left at Node's default.
import v8 from "node:v8";

/** Envoy's cap on one module's linear memory, in 64 KiB pages (1 GiB). */
export const ENVOY_WASM_MAX_MEMORY_PAGES = 16384;

let applied = false;

/** Idempotent; call before compiling any module (flags read at compile and instantiation time). */
export function useEnvoyWasmEngine(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString("--no-liftoff");
  v8.setFlagsFromString(`--wasm-max-mem-pages=${ENVOY_WASM_MAX_MEMORY_PAGES}`);
}
