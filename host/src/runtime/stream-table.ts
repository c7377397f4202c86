// A VM's stream contexts by id. Every connection adds one and removes it again, so this runs per
// connection: a Map would rebuild its hash table (a new backing store) every few dozen adds and
// deletes, garbage the host otherwise does not make. Here ids are sequential, so `id & mask`
// spreads them evenly; a slot chains its contexts through `Context.nextInSlot`, and nothing is
// allocated unless the table has to grow.
import type { Context } from "./context.ts";

export class StreamTable {
  #slots: (Context | undefined)[];
  #mask: number;
  #size = 0;

  constructor(capacity = 64) {
    let n = 8;
    while (n < capacity) n *= 2;
    this.#slots = new Array<Context | undefined>(n).fill(undefined);
    this.#mask = n - 1;
  }

  get size(): number {
    return this.#size;
  }

  get(id: number): Context | undefined {
    for (let c = this.#slots[id & this.#mask]; c !== undefined; c = c.nextInSlot) {
      if (c.id === id) return c;
    }
    return undefined;
  }

  /** `ctx` must not be in the table already (its id is new). */
  add(ctx: Context): void {
    if (this.#size >= this.#slots.length) this.#grow();
    const i = ctx.id & this.#mask;
    ctx.nextInSlot = this.#slots[i];
    this.#slots[i] = ctx;
    this.#size++;
  }

  /** Removes `ctx` (the object, under its current id); false when it is not in the table. */
  delete(ctx: Context): boolean {
    const i = ctx.id & this.#mask;
    let prev: Context | undefined;
    for (let c = this.#slots[i]; c !== undefined; prev = c, c = c.nextInSlot) {
      if (c !== ctx) continue;
      if (prev === undefined) this.#slots[i] = c.nextInSlot;
      else prev.nextInSlot = c.nextInSlot;
      ctx.nextInSlot = undefined;
      this.#size--;
      return true;
    }
    return false;
  }

  #grow(): void {
    const old = this.#slots;
    const n = old.length * 2;
    this.#slots = new Array<Context | undefined>(n).fill(undefined);
    this.#mask = n - 1;
    for (const head of old) {
      for (let c = head; c !== undefined;) {
        const next = c.nextInSlot;
        const i = c.id & this.#mask;
        c.nextInSlot = this.#slots[i];
        this.#slots[i] = c;
        c = next;
      }
    }
  }
}
