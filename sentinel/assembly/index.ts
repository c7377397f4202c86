// Sentinel semantics in AssemblyScript: import what you need from here.
export { parseJson, parseJsonString, ParseResult, DEFAULT_MAX_DEPTH } from "./json/parser";
export { JsonValue, KIND_NULL, KIND_FALSE, KIND_TRUE, KIND_NUMBER, KIND_STRING, KIND_ARRAY, KIND_OBJECT, kindName } from "./json/value";
export { JsonError } from "./json/errors";
export { RuleReader, keyMatches, fieldIndex } from "./rules/fields";
export { formatNumber, quote } from "./rules/format";
export { FlowRule, decodeFlowRule, sentinelFlowRuleError } from "./rules/flow";
export { IsolationRule, decodeIsolationRule } from "./rules/isolation";
export { CircuitBreakerRule, decodeCircuitBreakerRule } from "./rules/circuitbreaker";
export { SentinelConfig, StatConfig, ConfigResult, decodeConfig, validateStatConfig, MAX_RULES_PER_KIND } from "./rules/config";
export { LeapArray } from "./stat/leap-array";
export { WindowView, reuseCheck } from "./stat/window";
export { ResourceStat } from "./stat/resource-node";
export { bindStat, StatBinding, STAT_DEFAULT_VIEW, STAT_RING_VIEW, STAT_STANDALONE } from "./stat/binding";
export { PASS, BLOCK, COMPLETE, ERROR, RT_SUM, MIN_RT, MAX_CONCURRENCY } from "./stat/metric-bucket";
export { FlowChecker } from "./flow/checker";
export { IsolationChecker } from "./isolation/checker";
export { CircuitBreaker, CLOSED, HALF_OPEN, OPEN, stateName } from "./circuitbreaker/breaker";
export { ResourceGuard, blockTypeName, blockMessage, BLOCK_NONE, BLOCK_FLOW, BLOCK_ISOLATION, BLOCK_CIRCUIT_BREAKING } from "./guard";
