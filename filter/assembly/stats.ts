// The filter's metric names, declared once; tests assert on these exact strings (Envoy shows them
// as `wasmcustom.<name>`).
export const CX_TOTAL: string = "sentinel.filter.cx_total";
export const CX_ACTIVE: string = "sentinel.filter.cx_active";
