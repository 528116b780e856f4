// set_field and move on vlan_vid / vlan_tci, added over OpenFlow 1.0, 1.3 and 1.5 and dumped
// in all three dialects, against what real ovs-ofctl 3.1 printed (test/oracle/vlan-vid-writes,
// recorded with test/tools/record-dialects.sh). OVS holds vlan_vid in 16 bits (VID and
// OFPVID_PRESENT) but a subfield of it is the 12-bit VID: a set_field's mask is kept as
// written (`/0x1fff` is partial), a 1.3 dump shows its VID bits as loads, and move sees 12 bits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFlow } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';

interface Entry {
  protocol: string; input: string; error?: string;
  of10?: string | null; of13?: string | null; of15?: string | null; of15_error?: string;
}
const DIR = join(import.meta.dirname, '../oracle/vlan-vid-writes');
const entries = readFileSync(join(DIR, 'dumps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Entry);
const DIALECTS = [['of10', 10], ['of13', 13], ['of15', 15]] as const;

const read = (text: string, ofVersion: number) => readFlows(text, 'x', { ofVersion });

describe('vlan_vid and vlan_tci writes in every dialect (ovs-ofctl 3.1)', () => {
  it('has the recorded cases', () => expect(entries.length).toBeGreaterThan(40));
  for (const e of entries) {
    const version = Number(e.protocol.slice(8));
    it(`${e.protocol} ${e.input}`, () => {
      const r = read(e.input, version);
      if (e.error) {
        // ctflow refuses it too, naming OVS's reason.
        expect(r.flows).toEqual([]);
        expect(r.diagnostics.map((d) => d.message).join('\n')).toContain(e.error.trim());
        return;
      }
      expect(r.diagnostics.map((d) => d.message)).toEqual([]);
      for (const [key, v] of DIALECTS) {
        const want = e[key];
        if (want === null || want === undefined) continue; // the dump ovs-ofctl could not decode: below
        expect(formatFlow(r.flows[0], { ofVersion: v }), key).toBe(want);
        // Pasted back as that dialect's dump line, it prints the same.
        const again = read(` ${want.replace('reset_counts ', '')}`, v);
        expect(again.diagnostics.map((d) => d.message), key).toEqual([]);
        expect(formatFlow(again.flows[0], { ofVersion: v }), `${key} reparsed`).toBe(want.replace('reset_counts ', ''));
      }
    });
  }
});
