// A connection byte buffer (Envoy Buffer::Instance, reduced): the read buffer that accumulates while
// a filter stops, and the write buffer held by a stopped write filter.
import { Status } from "../contracts.ts";
import type { AbiBuffer } from "../abi/types.ts";

/** Shared empty value: nothing ever writes into a buffer's array, so one instance is enough. */
const EMPTY = new Uint8Array(0);

export class ConnBuffer {
  #data: Uint8Array = EMPTY;

  get length(): number { return this.#data.length; }
  bytes(): Uint8Array { return this.#data; }

  /**
   * Appends. The buffer never writes into arrays it holds (every edit builds a new one), so a chunk
   * is kept by reference: callers hand over chunks they will not modify afterwards.
   */
  add(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#data.length === 0) { this.#data = chunk; return; }
    const next = new Uint8Array(this.#data.length + chunk.length);
    next.set(this.#data);
    next.set(chunk, this.#data.length);
    this.#data = next;
  }

  prepend(chunk: Uint8Array): void {
    const next = new Uint8Array(this.#data.length + chunk.length);
    next.set(chunk);
    next.set(this.#data, chunk.length);
    this.#data = next;
  }

  drain(n: number): void {
    this.#data = this.#data.slice(Math.min(n, this.#data.length));
  }

  /** Removes and returns everything. */
  take(): Uint8Array {
    const d = this.#data;
    this.#data = EMPTY;
    return d;
  }
}

/**
 * The view a stream context gets of a live connection buffer (docs §4.2). Whoever hands it out
 * stops doing so once the filter has continued past the buffer (the context then sees an empty
 * buffer that refuses writes); host functions look a view up per call and never keep it.
 */
export class BufferView implements AbiBuffer {
  readonly #buf: ConnBuffer;
  constructor(buf: ConnBuffer) { this.#buf = buf; }

  isViewOf(buf: ConnBuffer): boolean { return this.#buf === buf; }

  bytes(): Uint8Array {
    return this.#buf.bytes();
  }

  copyFrom(start: number, length: number, data: Uint8Array): number {
    const size = this.#buf.length;
    if (start === 0) {
      // drain `length` then prepend: (0,0) prepends, (0,size) replaces everything
      this.#buf.drain(length);
      this.#buf.prepend(data);
      return Status.Ok;
    }
    if (start >= size) {
      this.#buf.add(data);
      return Status.Ok;
    }
    return Status.BadArgument;
  }
}
