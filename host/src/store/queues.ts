// Envoy's shared queues (proxy-wasm-cpp-host src/shared_queue.cc): (vm_id, name) -> process-global
// token from 1; re-registering keeps the token and the items but overwrites the owner (last wins).
// Items are an unbounded FIFO, bounded only by the heap. Callers hold the store lock.
//
//   queue record:  [ next ][ hash ][ token ][ ownerThread ][ ownerVm ][ ownerRoot ][ head ][ tail ][ size ][ vmIdLen ][ nameLen ][ vmId bytes, name bytes ]
//                   word 0   1       2        3              4          5            6       7       8       9          10         byte 44 ...
//   item:          [ next ][ len ][ bytes ... ]
//   token table:   Int32 per token: queue record pointer (token 0 unused)

import { Status, type QueueOwner } from "../contracts.ts";
import type { Heap } from "./heap.ts";
import type { KeyBytes } from "./key-bytes.ts";
import { KeyedTable } from "./keyed-table.ts";
import { W } from "./layout.ts";

const Q_TOKEN = 2;
const Q_THREAD = 3;
const Q_VM = 4;
const Q_ROOT = 5;
const Q_HEAD = 6;
const Q_TAIL = 7;
const Q_SIZE = 8;
const Q_KEY_BYTES = 44;
const ITEM_BYTES_AT = 8;
const INITIAL_TOKENS = 16;

export class QueueTable {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly heap: Heap;
  readonly table: KeyedTable;

  constructor(i32: Int32Array, u8: Uint8Array, heap: Heap) {
    this.i32 = i32;
    this.u8 = u8;
    this.heap = heap;
    this.table = new KeyedTable(i32, u8, heap,
      { buckets: W.QUEUE_BUCKETS, mask: W.QUEUE_MASK, count: W.QUEUE_COUNT },
      { lenAWord: 9, lenBWord: 10, keyBytesAt: Q_KEY_BYTES }, "shared queue");
  }

  register(key: KeyBytes, owner: QueueOwner): number {
    let r = this.table.find(key);
    if (r === 0) {
      this.table.ensureHeads();
      const token = this.i32[W.QUEUE_TOKEN_NEXT];
      this.ensureTokenSlot(token);
      r = this.heap.alloc(Q_KEY_BYTES + key.length, "a shared queue");
      const w = r >> 2;
      this.i32[w + 1] = key.hash;
      this.i32[w + Q_TOKEN] = token;
      this.i32[w + Q_HEAD] = 0;
      this.i32[w + Q_TAIL] = 0;
      this.i32[w + Q_SIZE] = 0;
      this.i32[w + 9] = key.lenA;
      this.i32[w + 10] = key.lenB;
      this.u8.set(key.bytes.subarray(0, key.length), r + Q_KEY_BYTES);
      this.i32[(this.i32[W.QUEUE_TOKENS] >> 2) + token] = r;
      this.i32[W.QUEUE_TOKEN_NEXT] = token + 1;
      this.table.insert(r);
    }
    const w = r >> 2;
    this.i32[w + Q_THREAD] = owner.threadId;
    this.i32[w + Q_VM] = owner.vmInstanceId;
    this.i32[w + Q_ROOT] = owner.rootContextId;
    return this.i32[w + Q_TOKEN];
  }

  resolve(key: KeyBytes): number {
    const r = this.table.find(key);
    return r === 0 ? 0 : this.i32[(r >> 2) + Q_TOKEN];
  }

  owner(token: number): QueueOwner | undefined {
    const r = this.record(token);
    if (r === 0) return undefined;
    const w = r >> 2;
    return { threadId: this.i32[w + Q_THREAD], vmInstanceId: this.i32[w + Q_VM], rootContextId: this.i32[w + Q_ROOT] };
  }

  enqueue(token: number, value: Uint8Array): number {
    const r = this.record(token);
    if (r === 0) return Status.NotFound;
    const item = this.heap.alloc(ITEM_BYTES_AT + value.length, `a ${value.length}-byte queue item`);
    this.i32[item >> 2] = 0;
    this.i32[(item >> 2) + 1] = value.length;
    this.u8.set(value, item + ITEM_BYTES_AT);
    const w = r >> 2;
    const tail = this.i32[w + Q_TAIL];
    if (tail === 0) this.i32[w + Q_HEAD] = item;
    else this.i32[tail >> 2] = item;
    this.i32[w + Q_TAIL] = item;
    this.i32[w + Q_SIZE]++;
    return Status.Ok;
  }

  dequeue(token: number): Uint8Array | number {
    const r = this.record(token);
    if (r === 0) return Status.NotFound;
    const w = r >> 2;
    const item = this.i32[w + Q_HEAD];
    if (item === 0) return Status.Empty;
    const n = this.i32[(item >> 2) + 1];
    const out = new Uint8Array(n);
    if (n > 0) out.set(this.u8.subarray(item + ITEM_BYTES_AT, item + ITEM_BYTES_AT + n));
    const next = this.i32[item >> 2];
    this.i32[w + Q_HEAD] = next;
    if (next === 0) this.i32[w + Q_TAIL] = 0;
    this.i32[w + Q_SIZE]--;
    this.heap.free(item);
    return out;
  }

  size(token: number): number {
    const r = this.record(token);
    return r === 0 ? 0 : this.i32[(r >> 2) + Q_SIZE];
  }

  private record(token: number): number {
    if (!Number.isInteger(token) || token < 1 || token >= this.i32[W.QUEUE_TOKEN_NEXT]) return 0;
    return this.i32[(this.i32[W.QUEUE_TOKENS] >> 2) + token];
  }

  /** Grow the token -> record array (doubling) so index `token` exists. */
  private ensureTokenSlot(token: number): void {
    const cap = this.i32[W.QUEUE_TOKENS_CAP];
    if (token < cap) return;
    const newCap = Math.max(INITIAL_TOKENS, cap * 2);
    const p = this.heap.alloc(newCap * 4, "the shared queue token table");
    const old = this.i32[W.QUEUE_TOKENS];
    const pw = p >> 2;
    this.i32.fill(0, pw, pw + newCap);
    if (old !== 0) {
      this.i32.copyWithin(pw, old >> 2, (old >> 2) + cap);
      this.heap.free(old);
    }
    this.i32[W.QUEUE_TOKENS] = p;
    this.i32[W.QUEUE_TOKENS_CAP] = newCap;
  }
}
