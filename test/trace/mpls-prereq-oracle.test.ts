// What real ofproto/trace (OVS 3.1) showed, recorded in test/oracle/trace-mpls-prereq/ (README):
// * `mpls-*`: a packet whose outer label is not bottom of stack prints the label stack
//   entries under it (`mpls_lse1=0,mpls_lse2=0`) in its Flow: and Final flow: text;
//   push_mpls on an MPLS packet moves the entries down (`mpls-push-*`).
// * `nd-write-*`, `version-*`: ND writes in the datapath actions; encap/decap over OpenFlow < 1.3.
// * `prereq-*`: a set_field/load the switch accepted (its flow's match has the field's
//   prerequisites) still meets a packet without the field when an earlier flow or the
//   group's caller ran encap()/decap() (a resubmitted flow, a group bucket): the write is
//   skipped with "unmet prerequisites". The untraced run takes a faster path for constant
//   writes, so every case is also run untraced and must give the same datapath actions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatPacketFlow } from '../../src/packet/format.js';
import { readFlows } from '../../src/parse/flows.js';
import { clonePacket } from '../../src/packet/packet.js';
import { texts } from './full-text-case.js';
import { CASES, runCase } from './oracle-case.js';

/** Where an untraced run of a case differed from its traced run (cleared by each test). */
const untraced: string[] = [];
vi.mock('../../src/pipeline/run.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/pipeline/run.js')>();
  return {
    ...orig,
    runPacket: (o: Parameters<typeof orig.runPacket>[0], p: Parameters<typeof orig.runPacket>[1], now: number) => {
      const fast = orig.runPacket({ ...o, trace: false, passes: true }, clonePacket(p), now);
      const traced = orig.runPacket({ ...o, passes: true }, p, now);
      if (fast.datapathActions.join(' | ') !== traced.datapathActions.join(' | ')) {
        untraced.push(`untraced: ${fast.datapathActions.join(' | ')}; traced: ${traced.datapathActions.join(' | ')}`);
      }
      // Bucket writes leave no trace in the final packet, but a flow's do (nd_target is not printed for an echo).
      traced.passes!.forEach((t, i) => {
        const u = fast.passes![i];
        if (u && !u.final.slots.equals(t.final.slots)) untraced.push(`pass ${i}: the untraced final packet differs: ${formatPacketFlow(u.final)}`);
      });
      return traced;
    },
  };
});

const HERE = join(import.meta.dirname, '../oracle/trace-mpls-prereq/cases');
// runCase and texts read cases under the main oracle folder: these are reached from there.
const rel = (name: string) => join('../../trace-mpls-prereq/cases', name);
const names = readdirSync(HERE).sort();

/** Cases ctflow refuses, naming what it does not emulate (the test wants that error). */
const REFUSED = new Map<string, RegExp>([
]);

/**
 * Cases where ctflow still differs from OVS, outside the fast path (the untraced run must
 * still agree with the traced one), and where the fix belongs.
 */
const DIFFERS = new Map<string, string>([
  // OVS prints VLAN headers down to the first all-zero TCI, not the first without CFI: a
  // non-zero TCI without a tag (a move wrote its VID bits) still shows `vlan_tci1=0x0000`.
]);

describe('MPLS label stack text and set_field prerequisites at run time (ofproto/trace oracle)', () => {
  it('reads the cases from their own folder', () => {
    expect(join(CASES, rel('x'))).toBe(join(HERE, 'x'));
    expect(names.length).toBeGreaterThan(30);
  });
  for (const name of names) {
    const refused = REFUSED.get(name), differs = DIFFERS.get(name);
    if (refused) {
      it(`${name} (refused)`, async () => { await expect(runCase(rel(name))).rejects.toThrow(refused); });
      continue;
    }
    it(differs ? `${name} (differs: ${differs})` : name, async () => {
      untraced.length = 0;
      const { diffs } = await runCase(rel(name));
      expect(untraced).toEqual([]);
      const [got, want] = await texts(rel(name));
      if (differs) {
        expect(diffs.length > 0 || got !== want, 'now agrees with OVS: remove it from DIFFERS').toBe(true);
        return;
      }
      expect(diffs).toEqual([]);
      expect(got).toBe(want);
    });
  }
  // The switch's reason for refusing an OpenFlow 1.2+ set_field must be in ctflow's error.
  const SWITCH_REASON = /Invalid value for set field \S+: \d+|1-bits in value for bits wildcarded by the mask/;
  for (const name of names.filter((n) => n.startsWith('set-field-oxm-'))) {
    const e = JSON.parse(readFileSync(join(HERE, name, 'expect.json'), 'utf8')) as { setup_errors?: string[] };
    const reason = e.setup_errors ? SWITCH_REASON.exec(e.setup_errors[0])?.[0] : undefined;
    if (!reason) continue;
    it(`${name}: ctflow's refusal names "${reason}"`, () => {
      const text = readFileSync(join(HERE, name, 'flows.txt'), 'utf8');
      const ofVersion = 10 + Number(/^# protocol: OpenFlow1(\d)/m.exec(text)![1]);
      expect(readFlows(text, 'f', { ofVersion }).diagnostics.map((d) => d.message).join('\n')).toContain(reason);
    });
  }
  it('lists only existing cases', () => {
    for (const k of [...REFUSED.keys(), ...DIFFERS.keys()]) expect(names).toContain(k);
  });
});
