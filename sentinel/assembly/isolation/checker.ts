// Concurrency isolation (Sentinel's core/isolation checkPass): cur = the resource's in-flight count
// (passed, not exited, excluding this entry); block if cur + batch > threshold, snapshot cur.
// At L4 the in-flight count is the number of open connections of the resource.
import { IsolationRule } from "../rules/isolation";

export class IsolationChecker {
  readonly rule: IsolationRule;
  readonly threshold: u64;
  snapshot: u64 = 0;

  constructor(rule: IsolationRule) {
    this.rule = rule;
    this.threshold = <u64>rule.threshold;
  }

  /** True to pass; `concurrency` is the current in-flight count (negative is treated as 0, as Go does). */
  check(concurrency: i64, batch: u32): bool {
    const cur: u64 = concurrency < 0 ? 0 : <u64>concurrency;
    if (cur + <u64>batch > this.threshold) {
      this.snapshot = cur;
      return false;
    }
    return true;
  }
}
