// The table's entries in insertion order (dumps list them so, and the sweep walks them),
// as a list threaded through the entries themselves: adding or dropping one writes a few
// fields. A Set of a few 100,000 entries spent ~8% of the kernel bench in add/delete
// (hashing the entry, growing and compacting its own table).

import type { CtEntry } from './types.js';

// The list's own fields on an entry (internal; every entry is built with them undefined,
// so entries keep one shape).
declare module './types.js' {
  interface CtEntry {
    /** The list the entry is in, and its neighbours there. */
    listOwner?: EntryList;
    listPrev?: CtEntry;
    listNext?: CtEntry;
  }
}

export class EntryList {
  private head: CtEntry | undefined;
  private tail: CtEntry | undefined;
  /**
   * Where the sweep goes on, with a Set iterator's behaviour: the entry it looks at next;
   * null once it has passed the tail (an entry added then is still visited); undefined
   * when it has gone round (the next sweep starts at the head).
   */
  private cursor: CtEntry | null | undefined;

  has(e: CtEntry): boolean {
    return e.listOwner === this;
  }

  /** Appends `e` (nothing when it is in the list already). */
  add(e: CtEntry): void {
    if (e.listOwner === this) return;
    if (e.listOwner !== undefined) throw new Error('a conntrack entry cannot be in two tables at once');
    e.listOwner = this;
    e.listPrev = this.tail;
    e.listNext = undefined;
    if (this.tail) this.tail.listNext = e;
    else this.head = e;
    this.tail = e;
    if (this.cursor === null) this.cursor = e;
  }

  /** Unlinks `e`; false when it was not in the list. */
  delete(e: CtEntry): boolean {
    if (e.listOwner !== this) return false;
    const prev = e.listPrev, next = e.listNext;
    if (prev) prev.listNext = next;
    else this.head = next;
    if (next) next.listPrev = prev;
    else this.tail = prev;
    if (this.cursor === e) this.cursor = next ?? null;
    // A dropped entry keeps no other entry (or the table) alive.
    e.listOwner = e.listPrev = e.listNext = undefined;
    return true;
  }

  /** The next entry for the sweep; undefined when it has gone round. */
  sweepNext(): CtEntry | undefined {
    const c = this.cursor === undefined ? this.head : this.cursor;
    if (c == null) {
      this.cursor = undefined;
      return undefined;
    }
    this.cursor = c.listNext ?? null;
    return c;
  }

  /** Oldest first; the entry just visited may be deleted meanwhile. */
  *[Symbol.iterator](): IterableIterator<CtEntry> {
    let e = this.head;
    while (e) {
      const next = e.listNext;
      yield e;
      e = e.listOwner === this ? e.listNext : next;
    }
  }
}
