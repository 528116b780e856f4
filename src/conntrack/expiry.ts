// Which committed entries time out when, so the kernel profile can report a `[DESTROY]`
// event for each one (conntrack -E shows them; recorded in test/oracle/kernel-expiry).
//
// A min-heap of (time, entry), filed lazily: a refresh that pushes an entry's timeout
// later (what nearly every packet does) costs nothing here; when the filed time comes,
// an entry whose timeout has moved on is filed again at its new time. Only a timeout that
// moves earlier (a TCP state with a shorter timeout) files the entry anew at once; the
// older filing is then skipped when it comes up.
import type { CtEntry } from './types.js';

const NONE: CtEntry[] = [];

export class ExpiryIndex {
  // The heap, as two parallel arrays (no object per filing).
  private readonly times: number[] = [];
  private readonly entries: CtEntry[] = [];

  /** Files an entry under its current timeout, unless it is filed no later than that already. */
  set(e: CtEntry): void {
    const filed = e.expiryFiled ?? -1;
    if (filed >= 0 && filed <= e.expiresMs) return;
    this.push(e.expiresMs, e);
  }

  /** The entry is gone (destroyed or flushed): any filing of it is skipped from now on. */
  delete(e: CtEntry): void {
    e.expiryFiled = -1;
  }

  clear(keep: (e: CtEntry) => boolean): void {
    for (const e of this.entries) if (!keep(e)) e.expiryFiled = -1;
  }

  /** Takes out the entries whose timeout ended at or before `nowMs`, earliest first. */
  due(nowMs: number): CtEntry[] {
    let out = NONE;
    while (this.times.length && this.times[0]! <= nowMs) {
      const t = this.times[0]!, e = this.entries[0]!;
      this.pop();
      if (e.expiryFiled !== t) continue; // an older filing, or the entry is gone
      if (e.expiresMs <= nowMs) {
        e.expiryFiled = -1;
        (out === NONE ? (out = []) : out).push(e);
      } else {
        this.push(e.expiresMs, e); // refreshed since it was filed
      }
    }
    // Filed times can be earlier than the timeouts: report in timeout order.
    if (out.length > 1) out.sort((a, b) => a.expiresMs - b.expiresMs);
    return out;
  }

  private push(t: number, e: CtEntry): void {
    e.expiryFiled = t;
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
