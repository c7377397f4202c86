// Process-wide slot ledger of one isolation (concurrency) rule, in shared data.
//
//   offset 0 u32 magic "SNSL" | 4 u32 allowed (the rule's threshold) | 8 u32 leased | 12 u32 reserved
//
// A worker admits a connection while its open connections are below the slots it holds; when it
// needs one more it leases it (leased += g, CAS, never above allowed); on its tick it gives back
// slots it no longer needs (leased -= k). Invariant: sum over workers of held slots == leased <=
// allowed, and every worker's open connections <= its held slots, so the process-wide number of
// open connections never exceeds the threshold.
import { readLedger, writeLedger, LedgerRead, MAX_CAS_ATTEMPTS } from "./cas";
import { WasmResult } from "../../../abi/assembly";

// @ts-ignore: decorator
@inline export const SLOT_MAGIC: u32 = 0x4c534e53; // "SNSL"
// @ts-ignore: decorator
@inline export const SLOT_LEDGER_SIZE: i32 = 16;

export class SlotLedger {
  readonly key: string;
  readonly allowed: u32;
  private buf: ArrayBuffer = new ArrayBuffer(SLOT_LEDGER_SIZE);
  private read: LedgerRead = new LedgerRead();
  casConflicts: u64 = 0;
  failures: u64 = 0;
  /** `leased` as of the latest operation. */
  lastLeased: u32 = 0;

  constructor(key: string, allowed: u32) {
    this.key = key;
    this.allowed = allowed;
  }

  private load(): bool {
    const ok = readLedger(this.key, this.buf, this.read);
    const b = changetype<usize>(this.buf);
    if (!ok) {
      if (this.read.status != WasmResult.Ok && this.read.status != WasmResult.NotFound) return false;
      store<u32>(b, SLOT_MAGIC); store<u32>(b, this.allowed, 4); store<u32>(b, 0, 8); store<u32>(b, 0, 12);
    } else if (load<u32>(b) != SLOT_MAGIC || load<u32>(b, 4) != this.allowed) {
      // Another threshold: slots leased under it are still held by their workers, so keep the count.
      store<u32>(b, SLOT_MAGIC); store<u32>(b, this.allowed, 4);
    }
    return true;
  }

  /** Leases up to `want` slots; returns how many were granted. */
  lease(want: u32): u32 {
    if (want == 0) return 0;
    const b = changetype<usize>(this.buf);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.failures++; return 0; }
      const leased = load<u32>(b, 8);
      this.lastLeased = leased;
      if (leased >= this.allowed) return 0;
      const room = this.allowed - leased;
      const grant = want < room ? want : room;
      store<u32>(b, leased + grant, 8);
      const s = writeLedger(this.key, this.buf, this.read.cas);
      if (s == WasmResult.Ok) { this.lastLeased = leased + grant; return grant; }
      if (s != WasmResult.CasMismatch) { this.failures++; return 0; }
      this.casConflicts++;
    }
    this.failures++;
    return 0;
  }

  /** Gives `k` slots back. */
  release(k: u32): bool {
    if (k == 0) return true;
    const b = changetype<usize>(this.buf);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.failures++; return false; }
      const leased = load<u32>(b, 8);
      store<u32>(b, leased > k ? leased - k : 0, 8);
      const s = writeLedger(this.key, this.buf, this.read.cas);
      if (s == WasmResult.Ok) { this.lastLeased = leased > k ? leased - k : 0; return true; }
      if (s != WasmResult.CasMismatch) { this.failures++; return false; }
      this.casConflicts++;
    }
    this.failures++;
    return false;
  }
}
