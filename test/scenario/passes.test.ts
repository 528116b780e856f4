// `ctflow test` checks each pass from the run's passes as data (PacketResult.passes), not
// from trace text: the bundled LB scenario (expectations from the real OVN 23.03 / OVS 3.1
// recording) passes as it is, and fails at exactly the expectation whose value is changed
// in the result the checks read — the run's own result, altered right after the run.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runTests } from '../../src/cli/test.js';
import type { PacketResult } from '../../src/pipeline/run.js';
import { capture, DNS, FW_HEADER, ROOT, verdicts } from './helpers.js';

/** Applied to the result of packet `n` (1-based, counted per test) before it is checked. */
const hook = vi.hoisted(() => ({ n: 0, mutate: null as null | ((r: PacketResult, n: number) => void) }));
vi.mock('../../src/pipeline/run.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/pipeline/run.js')>();
  return {
    ...orig,
    runPacket: (...a: Parameters<typeof orig.runPacket>) => {
      const r = orig.runPacket(...a);
      hook.mutate?.(r, ++hook.n);
      return r;
    },
  };
});
afterEach(() => { hook.mutate = null; hook.n = 0; });

const LB = join(ROOT, 'flows', 'scenarios', 'tcp-vm1-lb-vip.scenario');

/** Runs the LB scenario with `change` applied to packet 1's passes (the VIP SYN: 5 passes). */
function lb(change: ((r: PacketResult) => void) | null, json = true) {
  hook.n = 0;
  hook.mutate = change && ((r, n) => { if (n === 1) change(r); });
  const r = capture(() => runTests([LB], { json }));
  if (!json) return { code: r.code, out: r.out, failures: [] };
  const failures = JSON.parse(r.out).scenarios[0].failures.map((f: any) => ({ line: f.line, expected: f.expected, got: f.got }));
  return { code: r.code, out: r.out, failures };
}

const pass = (r: PacketResult, i: number) => r.passes![i - 1];

describe('scenario expectations read the passes as data', () => {
  it('the recorded LB scenario passes unchanged (its SYN: received, ct recirc, dp_hash thaw, 2 ct recircs)', () => {
    let kinds: string[] = [];
    const r = lb((res) => { kinds = res.passes!.map((p) => p.start.kind); });
    expect(r.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(kinds).toEqual(['received', 'recirc', 'thaw', 'recirc', 'recirc']);
  });

  it('the trace text is not read: without it the verdicts are the same', () => {
    expect(lb((res) => { res.trace.passes.length = 0; }).failures).toEqual([]);
  });

  it('a ct recirculation pass: its ct_state as it started', () => {
    const r = lb((res) => { pass(res, 2).packet.slots.set('ct_state', 0x22n); }); // est|trk
    expect(r.failures).toEqual([{
      line: 12, expected: 'ct_state=+new-est-rel-rpl-inv+trk,ct_mark=0/0x1 as pass 2 started',
      got: 'ct_state=-new+est-rel-rpl-inv+trk-snat-dnat,ct_mark=0',
    }]);
  });

  it('a dp_hash thaw pass: the dp_hash it ran with', () => {
    const r = lb((res) => { pass(res, 3).packet.slots.set('dp_hash', 0x5n); });
    expect(r.failures).toEqual([{ line: 13, expected: 'dp_hash=0x1e5aed0 as pass 3 started', got: 'dp_hash=0x5' }]);
  });

  it("a pass's table lookups", () => {
    const r = lb((res) => { for (const l of pass(res, 2).lookups) if (l.table === 16) l.flow = null; });
    // Later passes look up table 16 for the other logical switch.
    expect(r.failures).toEqual([{
      line: 16, expected: 'table 16: the flow at line 210',
      got: 'table 16: no flow (miss); line 179 (priority 0, cookie 0x49432191); line 181 (priority 0, cookie 0xb726dff4)',
    }]);
  });

  it('the frame an output sent: the pass packet with its datapath actions applied', () => {
    const r = lb((res) => { pass(res, 5).packet.slots.set('nw_ttl', 1n); });
    expect(r.failures).toEqual([{
      line: 11, expected: 'output vm2(2) with dl_src=02:00:00:00:01:01,dl_dst=02:00:00:00:00:12,nw_dst=10.0.0.12,nw_ttl=63',
      got: 'vm2(2): dl_src=02:00:00:00:01:01,dl_dst=02:00:00:00:00:12,nw_dst=10.0.0.12,nw_ttl=1',
    }]);
  });

  it("where a thawed pass resumed, in the failure's pass list", () => {
    const thawLine = (out: string) => out.split('\n').find((l) => l.includes('pass 3 (recirc 0x2'))?.trim();
    const dpHash = (res: PacketResult) => pass(res, 3).packet.slots.set('dp_hash', 0x5n);
    expect(thawLine(lb(dpHash, false).out)).toBe('pass 3 (recirc 0x2, ct_state new|trk): resumed in table 20 -> ct(commit,zone=1,mark=0x2/0x2,nat(dst=10.0.0.12:80)),recirc(0x3)');
    const moved = lb((res) => { dpHash(res); const s = pass(res, 3).start; if (s.kind === 'thaw') s.table = 7; }, false);
    expect(thawLine(moved.out)).toMatch(/: resumed in table 7 -> /);
  });

  it('the packet at the end of the last pass', () => {
    const text = FW_HEADER + DNS[0] + '\nexpect reg0=0x1/0x1,nw_ttl=63';
    expect(verdicts(text).failures).toEqual([]);
    hook.mutate = (res) => { res.passes!.at(-1)!.final.slots.set('reg0', 0n); };
    expect(verdicts(text).failures).toEqual([{ line: 5, expected: 'reg0=0x1/0x1,nw_ttl=63 at the end of the last pass', got: 'reg0=0,nw_ttl=63' }]);
  });
});
