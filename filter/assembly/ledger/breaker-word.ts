// The one process-wide state of a circuit breaker rule, in shared data (CASed by the service and
// by the workers; each transition is made by exactly one CAS winner, who logs it).
//
//   offset  0 u32 magic "SNCB"          24 u64 changedAtMs
//           4 u32 fingerprint (rule)    32 u32 probeOwner (VM seq of the worker holding the probe)
//           8 u32 state (Sentinel's)    36 u32 probeSuccesses (good HalfOpen completions)
//          12 u32 epoch (+1 per change) 40 u32 reserved, 44 u32 reserved
//          16 u64 nextRetryMs
//
//   Closed --(service: aggregated window crosses the threshold)--> Open(nextRetry = now + retryTimeout)
//   Open --(a worker at entry with now >= nextRetry wins the CAS; its connection is the probe)--> HalfOpen
//   HalfOpen --(a worker completing a connection: bad)--> Open(nextRetry renewed)
//   HalfOpen --(good completions reach max(1, probeNum))--> Closed (the service clears its window)
//   HalfOpen --(the probe was blocked by a later breaker: Sentinel's exit hook)--> Open (same nextRetry)
import { readLedger, writeLedger, LedgerRead, MAX_CAS_ATTEMPTS } from "./cas";
import { WasmResult } from "../../../abi/assembly";

// @ts-ignore: decorator
@inline export const BREAKER_MAGIC: u32 = 0x42434e53; // "SNCB"
// @ts-ignore: decorator
@inline export const BREAKER_WORD_SIZE: i32 = 48;
// Sentinel's circuitbreaker.State numbers.
// @ts-ignore: decorator
@inline export const CB_CLOSED: u32 = 0;
// @ts-ignore: decorator
@inline export const CB_HALF_OPEN: u32 = 1;
// @ts-ignore: decorator
@inline export const CB_OPEN: u32 = 2;

export function breakerStateName(s: u32): string {
  if (s == CB_CLOSED) return "Closed";
  if (s == CB_HALF_OPEN) return "HalfOpen";
  if (s == CB_OPEN) return "Open";
  return "Undefined";
}

/** The decoded word plus the cas it was read with. */
export class BreakerWord {
  readonly key: string;
  readonly fingerprint: u32;
  state: u32 = CB_CLOSED;
  epoch: u32 = 0;
  nextRetryMs: u64 = 0;
  changedAtMs: u64 = 0;
  probeOwner: u32 = 0;
  probeSuccesses: u32 = 0;
  private buf: ArrayBuffer = new ArrayBuffer(BREAKER_WORD_SIZE);
  private read: LedgerRead = new LedgerRead();
  casConflicts: u64 = 0;
  failures: u64 = 0;

  constructor(key: string, fingerprint: u32) {
    this.key = key;
    this.fingerprint = fingerprint;
  }

  /** Reads the word; an absent or foreign one (another rule) reads as Closed, epoch 0. False on host failure. */
  load(): bool {
    const ok = readLedger(this.key, this.buf, this.read);
    const b = changetype<usize>(this.buf);
    if (!ok || load<u32>(b) != BREAKER_MAGIC || load<u32>(b, 4) != this.fingerprint || load<u32>(b, 8) > CB_OPEN) {
      if (!ok && this.read.status != WasmResult.Ok && this.read.status != WasmResult.NotFound) { this.failures++; return false; }
      // Keep counting epochs upwards even across a reset, so cached (older) epochs stay older.
      const oldEpoch = ok && load<u32>(b) == BREAKER_MAGIC ? load<u32>(b, 12) : 0;
      this.state = CB_CLOSED; this.epoch = oldEpoch; this.nextRetryMs = 0; this.changedAtMs = 0;
      this.probeOwner = 0; this.probeSuccesses = 0;
      return true;
    }
    this.state = load<u32>(b, 8);
    this.epoch = load<u32>(b, 12);
    this.nextRetryMs = load<u64>(b, 16);
    this.changedAtMs = load<u64>(b, 24);
    this.probeOwner = load<u32>(b, 32);
    this.probeSuccesses = load<u32>(b, 36);
    return true;
  }

  /**
   * Writes the fields (state, nextRetryMs, probe bookkeeping) as a new epoch if the word is still
   * what load() saw. Ok, CasMismatch (someone else changed it: load again) or a host error.
   */
  commit(state: u32, nextRetryMs: u64, nowMs: u64, probeOwner: u32, probeSuccesses: u32, newEpoch: bool): u32 {
    const b = changetype<usize>(this.buf);
    const epoch = newEpoch ? this.epoch + 1 : this.epoch;
    store<u32>(b, BREAKER_MAGIC); store<u32>(b, this.fingerprint, 4);
    store<u32>(b, state, 8); store<u32>(b, epoch, 12);
    store<u64>(b, nextRetryMs, 16); store<u64>(b, newEpoch ? nowMs : this.changedAtMs, 24);
    store<u32>(b, probeOwner, 32); store<u32>(b, probeSuccesses, 36);
    store<u32>(b, 0, 40); store<u32>(b, 0, 44);
    const s = writeLedger(this.key, this.buf, this.read.cas);
    if (s == WasmResult.Ok) {
      this.state = state; this.epoch = epoch; this.nextRetryMs = nextRetryMs;
      if (newEpoch) this.changedAtMs = nowMs;
      this.probeOwner = probeOwner; this.probeSuccesses = probeSuccesses;
    } else if (s == WasmResult.CasMismatch) {
      this.casConflicts++;
    } else {
      this.failures++;
    }
    return s;
  }
}

export { MAX_CAS_ATTEMPTS };
