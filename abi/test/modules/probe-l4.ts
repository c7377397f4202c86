// The probe (probe.ts: root id "abi_probe", same commands, same log lines) with the lean L4 entry
// points of exports-l4.ts instead of every callback: no proxy_on_log, and no
// proxy_on_upstream_connection_close (its proxy_on_upstream_data delivers the upstream close).
export * from "../../assembly/exports-l4";
import "./probe";
