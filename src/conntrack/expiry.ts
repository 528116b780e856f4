// Which committed entries time out when, so the kernel profile can report a `[DESTROY]`
// event for each one (conntrack -E shows them; recorded in test/oracle/kernel-expiry).
//
// Filed lazily: a refresh that pushes an entry's timeout later (what nearly every packet
// does) costs nothing here; when the filed time comes, an entry whose timeout has moved on
// is filed again at its new time. Only a timeout that moves earlier (a TCP state with a
// shorter timeout) files the entry anew at once; the older filing is then skipped when it
// comes up (its time is no longer the entry's expiryFiled).
//
// Where: time only goes forward and each protocol state has one timeout, so the filings
// of one timeout length come in time order. A few first-in first-out runs (each filing
// goes behind the run whose last time is the latest not after its own) keep them sorted
// at O(1) a filing; only a filing that fits behind no run, with every run in use, goes to
// a min-heap (entries loaded with restore(), refilings of long-lived entries).
import type { CtEntry } from './types.js';

/** Runs kept before filings go to the heap: about one per distinct timeout length. */
const MAX_RUNS = 16;

/** Filings in time order; taken from the front (`head`), compacted now and then. */
class Run {
  readonly times: number[] = [];
  readonly entries: CtEntry[] = [];
  head = 0;
  last = -Infinity;

  push(t: number, e: CtEntry): void {
    this.times.push(t);
    this.entries.push(e);
    this.last = t;
  }

  /** The earliest filed time, Infinity when empty. */
  first(): number {
    return this.head < this.times.length ? this.times[this.head]! : Infinity;
  }

  /** Forgets the taken front once it is most of the arrays. */
  compact(): void {
    const h = this.head;
    if (h === this.times.length) {
      this.times.length = 0;
      this.entries.length = 0;
      this.head = 0;
    } else if (h > 1024 && h * 2 > this.times.length) {
      this.times.copyWithin(0, h);
      this.entries.copyWithin(0, h);
      this.times.length -= h;
      this.entries.length -= h;
      this.head = 0;
    }
  }
}

export class ExpiryIndex {
  private readonly runs: Run[] = [];
  // The heap, as two parallel arrays (no object per filing).
  private readonly times: number[] = [];
  private readonly entries: CtEntry[] = [];
  /**
   * The earliest filed time (Infinity when none): a ct() before it has nothing to report,
   * which is one compare per packet instead of a call into the index.
   */
  nextMs = Infinity;

  /** Files an entry under its current timeout, unless it is filed no later than that already. */
  set(e: CtEntry): void {
    const filed = e.expiryFiled ?? -1;
    if (filed >= 0 && filed <= e.expiresMs) return;
    this.file(e.expiresMs, e);
  }

  /** The entry is gone (destroyed or flushed): any filing of it is skipped from now on. */
  delete(e: CtEntry): void {
    e.expiryFiled = -1;
  }

  clear(keep: (e: CtEntry) => boolean): void {
    for (const e of this.entries) if (!keep(e)) e.expiryFiled = -1;
    for (const r of this.runs) for (let i = r.head; i < r.entries.length; i++) if (!keep(r.entries[i]!)) r.entries[i]!.expiryFiled = -1;
  }

  /**
   * Moves the entries whose timeout ended at or before `nowMs` into `out` (emptied first),
   * earliest first.
   */
  due(nowMs: number, out: CtEntry[]): void {
    out.length = 0;
    let next = Infinity;
    // Refilings are later than `nowMs`: no loop below reaches them; file() lowers nextMs
    // to the earliest of them.
    this.nextMs = Infinity;
    for (const r of this.runs) {
      const ts = r.times;
      let h = r.head;
      if (h < ts.length && ts[h]! <= nowMs) {
        do {
          r.head = h + 1;
          this.take(ts[h]!, r.entries[h]!, nowMs, out);
          h = r.head;
        } while (h < ts.length && ts[h]! <= nowMs);
        r.compact();
      }
      next = Math.min(next, r.first());
    }
    while (this.times.length && this.times[0]! <= nowMs) {
      const t = this.times[0]!, e = this.entries[0]!;
      this.pop();
      this.take(t, e, nowMs, out);
    }
    if (this.times.length) next = Math.min(next, this.times[0]!);
    this.nextMs = Math.min(this.nextMs, next);
    // Filed times can be earlier than the timeouts: report in timeout order.
    if (out.length > 1) out.sort((a, b) => a.expiresMs - b.expiresMs);
  }

  /** A filing whose time has come: the entry is due, refiled, or filed elsewhere since. */
  private take(t: number, e: CtEntry, nowMs: number, out: CtEntry[]): void {
    if (e.expiryFiled !== t) return; // an older filing, or the entry is gone
    if (e.expiresMs <= nowMs) {
      e.expiryFiled = -1;
      out.push(e);
    } else {
      this.file(e.expiresMs, e); // refreshed since it was filed
    }
  }

  private file(t: number, e: CtEntry): void {
    e.expiryFiled = t;
    if (t < this.nextMs) this.nextMs = t;
    let best: Run | undefined;
    for (const r of this.runs) if (r.last <= t && (best === undefined || r.last > best.last)) best = r;
    if (best === undefined && this.runs.length < MAX_RUNS) this.runs.push((best = new Run()));
    if (best !== undefined) best.push(t, e);
    else this.push(t, e);
  }

  private push(t: number, e: CtEntry): void {
    const ts = this.times, es = this.entries;
    let i = ts.length;
    ts.push(t); es.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ts[p]! <= t) break;
      ts[i] = ts[p]!; es[i] = es[p]!;
      i = p;
    }
    ts[i] = t; es[i] = e;
  }

  private pop(): void {
    const ts = this.times, es = this.entries;
    const t = ts.pop()!, e = es.pop()!;
    const n = ts.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && ts[l + 1]! < ts[l]! ? l + 1 : l;
      if (ts[c]! >= t) break;
      ts[i] = ts[c]!; es[i] = es[c]!;
      i = c;
    }
    ts[i] = t; es[i] = e;
  }
}
