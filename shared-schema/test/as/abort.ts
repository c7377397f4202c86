// Stand-in for abi/assembly/abort.ts when that file is absent: the harness must build with the
// project's `--use abort=` flag either way. A trap is what a test should see.
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
