// What filter/ and service/ import: the generated codec for the sentinel.wire schema plus the
// hand-written helpers of this folder (which import from gen/as, never the reverse).
export * from "../gen/as/index";
export * from "./hash";
