// Process-wide slot ledger of one isolation (concurrency) rule, in shared data.
//
//   offset  0 u32 magic "SNS2"    8 u32 leased (= sum of held)
//           4 u32 allowed         12 u32 entries in use (<= MAX_SLOT_HOLDERS)
//          16 + 8i: u32 vmSeq, u32 held      one entry per worker VM holding slots
//
// A worker admits a connection while its open connections are below the slots it holds; when it
// needs one more it leases it (leased += g, its entry's held += g, CAS, never above allowed); on its
// tick it gives back slots it no longer needs. Invariant: leased == sum(held) <= allowed, and every
// worker's open connections <= its held slots, so open connections process-wide never exceed the
// threshold. The per-VM entries let the service give back the slots of a VM that stopped
// reporting (it trapped or was replaced), which would otherwise stay leased forever.
import { readLedger, writeLedger, LedgerRead, MAX_CAS_ATTEMPTS } from "./cas";
import { WasmResult } from "../../../abi/assembly";

// @ts-ignore: decorator
@inline export const SLOT_MAGIC: u32 = 0x32534e53; // "SNS2"
// @ts-ignore: decorator
@inline export const MAX_SLOT_HOLDERS: u32 = 64;
// @ts-ignore: decorator
@inline export const SLOT_LEDGER_SIZE: i32 = 16 + 8 * 64;

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

  @inline private get b(): usize { return changetype<usize>(this.buf); }
  @inline get leased(): u32 { return load<u32>(this.b, 8); }
  @inline get entries(): u32 { return load<u32>(this.b, 12); }
  @inline entrySeq(i: u32): u32 { return load<u32>(this.b + 16 + (<usize>i << 3)); }
  @inline entryHeld(i: u32): u32 { return load<u32>(this.b + 20 + (<usize>i << 3)); }

  /** Reads the ledger (a fresh or foreign one starts empty). False on a host failure. */
  load(): bool {
    const ok = readLedger(this.key, this.buf, this.read);
    const b = this.b;
    if (!ok) {
      if (this.read.status != WasmResult.Ok && this.read.status != WasmResult.NotFound) return false;
      memory.fill(b, 0, SLOT_LEDGER_SIZE);
      store<u32>(b, SLOT_MAGIC); store<u32>(b, this.allowed, 4);
    } else if (load<u32>(b) != SLOT_MAGIC || load<u32>(b, 12) > MAX_SLOT_HOLDERS) {
      memory.fill(b, 0, SLOT_LEDGER_SIZE);
      store<u32>(b, SLOT_MAGIC); store<u32>(b, this.allowed, 4);
    } else if (load<u32>(b, 4) != this.allowed) {
      // Another threshold: slots leased under it are still held by their workers, so keep them.
      store<u32>(b, this.allowed, 4);
    }
    return true;
  }

  private find(vmSeq: u32): i32 {
    const n = this.entries;
    for (let i: u32 = 0; i < n; i++) if (this.entrySeq(i) == vmSeq) return <i32>i;
    return -1;
  }

  /** Adds `delta` (may be negative) to vmSeq's entry and to leased; false if the table is full. */
  private adjust(vmSeq: u32, delta: i64): bool {
    const b = this.b;
    let i = this.find(vmSeq);
    if (i < 0) {
      if (delta <= 0) return true;
      const n = this.entries;
      if (n >= MAX_SLOT_HOLDERS) return false;
      store<u32>(b + 16 + (<usize>n << 3), vmSeq);
      store<u32>(b + 20 + (<usize>n << 3), 0);
      store<u32>(b, n + 1, 12);
      i = <i32>n;
    }
    const held = <i64>this.entryHeld(<u32>i);
    let next = held + delta;
    if (next < 0) next = 0;
    const applied = next - held;
    store<u32>(b + 20 + (<usize>i << 3), <u32>next);
    const leased = <i64>this.leased + applied;
    store<u32>(b, <u32>(leased < 0 ? 0 : leased), 8);
    if (next == 0) {
      // Drop the entry: move the last one into its place.
      const last = this.entries - 1;
      store<u64>(b + 16 + (<usize>i << 3), load<u64>(b + 16 + (<usize>last << 3)));
      store<u64>(b + 16 + (<usize>last << 3), 0);
      store<u32>(b, last, 12);
    }
    return true;
  }

  private commit(): u32 {
    const s = writeLedger(this.key, this.buf, this.read.cas);
    if (s == WasmResult.CasMismatch) this.casConflicts++;
    else if (s != WasmResult.Ok) this.failures++;
    return s;
  }

  /** Leases up to `want` slots for vmSeq; returns how many were granted. */
  lease(vmSeq: u32, want: u32): u32 {
    if (want == 0) return 0;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.failures++; return 0; }
      const leased = this.leased;
      this.lastLeased = leased;
      if (leased >= this.allowed) return 0;
      const room = this.allowed - leased;
      const grant = want < room ? want : room;
      if (!this.adjust(vmSeq, <i64>grant)) return 0;
      const s = this.commit();
      if (s == WasmResult.Ok) { this.lastLeased = leased + grant; return grant; }
      if (s != WasmResult.CasMismatch) return 0;
    }
    this.failures++;
    return 0;
  }

  /** Gives `k` of vmSeq's slots back. */
  release(vmSeq: u32, k: u32): bool {
    if (k == 0) return true;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.failures++; return false; }
      this.adjust(vmSeq, -<i64>k);
      const s = this.commit();
      if (s == WasmResult.Ok) { this.lastLeased = this.leased; return true; }
      if (s != WasmResult.CasMismatch) return false;
    }
    this.failures++;
    return false;
  }

  /** Service side: drops every slot held by vmSeq. Returns how many were given back. */
  reclaim(vmSeq: u32): u32 {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.failures++; return 0; }
      const i = this.find(vmSeq);
      if (i < 0) return 0;
      const held = this.entryHeld(<u32>i);
      this.adjust(vmSeq, -<i64>held);
      if (this.commit() == WasmResult.Ok) return held;
    }
    return 0;
  }
}
