// Small shared constants of the filter's decision path.

// @ts-ignore: decorator
@inline export const BLOCK_STALE: i32 = 16;
// How a connection was admitted (what its exit must undo).
// @ts-ignore: decorator
@inline export const MODE_GLOBAL: u8 = 0;
// @ts-ignore: decorator
@inline export const MODE_LOCAL: u8 = 1;
// @ts-ignore: decorator
@inline export const MODE_OPEN: u8 = 2;
