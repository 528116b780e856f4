// [DESTROY] events of entries that time out, against real nf_conntrack (kernel 6.18,
// test/oracle/kernel-expiry, recorded by test/tools/record-kernel-expiry.py with shortened
// timeouts). The kernel reports such an entry when its garbage collector finds it, seconds
// after the timeout and at no fixed moment (recorded 9 s later, once just before and
// twice just after an unrelated packet), or when a packet of the same flow comes (then
// right before that packet's [NEW]). ctflow reports it with the first ct() at or after the
// timeout. So: the lines must be the kernel's (no timeout field), the same ones in the
// same order over the case, never reported by the kernel before ctflow's timeout, and at
// a same-flow packet in the same step as the kernel.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CtEntry } from '../../src/conntrack/index.js';
import { compareLines, kernelFor, kernelStep, ORACLE } from './oracle-replay.js';

const DIR = join(ORACLE, 'kernel-expiry');
const timedOut = (l: string) => /^\[DESTROY\] \S+ \d+ \D/.test(l);

/** Event lines with their times, relative to the recorded steps' clock (step 1's [NEW]
 *  is taken as sent at step 1's `t`). */
function recordedTimes(name: string, step1: number): Array<{ t: number; line: string }> {
  const rows = readFileSync(join(DIR, name, 'conntrack-E.txt'), 'utf8').trim().split('\n').map((l) => {
    const m = /^\[(\d+\.\d+)\]\s+(.*)$/.exec(l)!;
    return { ts: Number(m[1]), line: m[2].replace(/\s+/g, ' ').trim() };
  });
  return rows.map((r) => ({ t: r.ts - rows[0].ts + step1, line: r.line }));
}

function replay(name: string) {
  const c = JSON.parse(readFileSync(join(DIR, name, 'result.json'), 'utf8'));
  const ct = kernelFor(c);
  const out: string[] = [];
  const steps: Array<{ t: number; events: string[] }> = [];
  const expiry = new Map<CtEntry, number>(); // every entry, in creation order → when its timeout ends (s)
  for (const s of c.steps) {
    steps.push({ t: s.t, events: kernelStep(ct, name, s, out) });
    // When each entry's timeout ends as of now, for the lines reported later.
    for (const { entry } of ct.entries(Math.round(s.t * 1000))) expiry.set(entry, entry.expiresMs / 1000);
  }
  return { c, out, steps, expiry };
}

describe('[DESTROY] of entries that time out (kernel profile against nf_conntrack)', () => {
  const names = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  it('has the four recorded cases', () => expect(names).toEqual(['tcp-syn-expire', 'udp-expire', 'udp-expire-reused', 'udp-expire-two']));
  it.each(names)('%s', (name) => {
    const { c, out, steps, expiry } = replay(name);
    const got = steps.flatMap((s) => s.events);
    const recorded = recordedTimes(name, c.steps[0].t);
    // The same lines over the whole case (timeouts of other events ±1 s)...
    compareLines(`${name} all events`, got, recorded.map((r) => r.line), out);
    // ...the timed-out ones in the same order...
    expect(got.filter(timedOut)).toEqual(recorded.map((r) => r.line).filter(timedOut));
    const unclaimed = [...expiry];
    for (const r of recorded.filter((x) => timedOut(x.line))) {
      // The oldest entry of that client port not yet matched to a line.
      const port = Number(/sport=(\d+)/.exec(r.line)![1]);
      const [, end] = unclaimed.splice(unclaimed.findIndex(([e]) => e.orig.sport === port), 1)[0]!;
      // ...never reported by the kernel before ctflow's timeout ends...
      if (r.t < end - 0.05) out.push(`${name}: kernel reported ${r.line} at ${r.t.toFixed(3)} s, before ctflow's timeout ${end} s`);
      // ...and by ctflow at the first packet at or after it.
      const first = steps.findIndex((s) => s.t >= end);
      const at = steps.findIndex((s) => s.events.includes(r.line));
      if (at !== first) out.push(`${name}: ctflow reported ${r.line} at step ${at + 1}, first packet after its timeout is step ${first + 1}`);
    }
    // A packet of the same flow: the kernel reports the old entry right before the new one.
    if (name === 'udp-expire-reused') expect(steps[1].events).toEqual(c.steps[1].events);
    expect(out).toEqual([]);
  });
});
