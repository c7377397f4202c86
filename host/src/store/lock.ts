// A mutex in one Int32 word of a SharedArrayBuffer, usable from every worker thread (and from the
// main thread: Node allows Atomics.wait there). States: 0 free, 1 held, 2 held and someone may be
// sleeping. The releaser only pays for Atomics.notify when the word says there may be a sleeper.

import { W } from "./layout.ts";

export class StoreLockTimeoutError extends Error {
  constructor(ms: number) {
    super(`shared store lock not acquired within ${ms} ms: a thread probably died while holding it ` +
      `(worker terminated inside a store call?)`);
    this.name = "StoreLockTimeoutError";
  }
}

const SPINS = 64;
const WAIT_SLICE_MS = 50;

export function acquire(i32: Int32Array, timeoutMs: number): void {
  let c = Atomics.compareExchange(i32, W.LOCK, 0, 1);
  if (c === 0) return;
  // Critical sections are short (a hash lookup and a memcpy), so a brief spin usually wins.
  for (let i = 0; i < SPINS && c === 1; i++) {
    c = Atomics.compareExchange(i32, W.LOCK, 0, 1);
    if (c === 0) return;
    c = Atomics.load(i32, W.LOCK);
  }
  sleepUntilAcquired(i32, timeoutMs);
}

function sleepUntilAcquired(i32: Int32Array, timeoutMs: number): void {
  const start = performance.now();
  // Taking the word to 2 means our eventual release will notify, which is harmless if nobody waits.
  let c = Atomics.exchange(i32, W.LOCK, 2);
  while (c !== 0) {
    Atomics.add(i32, W.LOCK_WAITS, 1);
    Atomics.wait(i32, W.LOCK, 2, WAIT_SLICE_MS);
    c = Atomics.exchange(i32, W.LOCK, 2);
    if (c !== 0 && performance.now() - start > timeoutMs) throw new StoreLockTimeoutError(timeoutMs);
  }
}

export function release(i32: Int32Array): void {
  if (Atomics.sub(i32, W.LOCK, 1) !== 1) {
    Atomics.store(i32, W.LOCK, 0);
    Atomics.notify(i32, W.LOCK, 1);
  }
}

/** Per-histogram spin word: held for a handful of float adds, never across calls. */
export function spinAcquire(i32: Int32Array, word: number, timeoutMs: number): void {
  if (Atomics.compareExchange(i32, word, 0, 1) === 0) return;
  let spins = 0;
  let start = 0;
  while (Atomics.compareExchange(i32, word, 0, 1) !== 0) {
    if (++spins <= 256) continue;
    // The holder may have been descheduled (2 cores, many threads): sleep a little instead of burning.
    Atomics.wait(i32, word, 1, 0.05);
    if (start === 0) start = performance.now();
    else if ((spins & 255) === 0 && performance.now() - start > timeoutMs) throw new StoreLockTimeoutError(timeoutMs);
  }
}

export function spinRelease(i32: Int32Array, word: number): void {
  Atomics.store(i32, word, 0);
}
