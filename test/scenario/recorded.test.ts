// The bundled scenarios (flows/scenarios/) assert what real OVN 23.03 on OVS 3.1 did:
// every expectation is checked here against the recording it was written from
// (flows/conversations/NAME.json), so a scenario cannot drift toward ctflow's behaviour.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPortsFile } from '../../src/conversation/ports.js';
import { readScenarioHeader, readScenarios } from '../../src/conversation/scenario.js';
import { ROOT } from './helpers.js';

const DIR = join(ROOT, 'flows', 'scenarios');
const names = readdirSync(DIR).filter((f) => f.endsWith('.scenario')).map((f) => f.replace(/\.scenario$/, ''));
const ports = readPortsFile(readFileSync(join(ROOT, 'flows', 'ovn-acl.ports'), 'utf8'), 'ovn-acl.ports').names;
const portName = new Map([...ports].map(([n, v]) => [v, n]));

/** The recorded megaflows of one packet in pass order (recirc_id(0), then each recirc(ID)). */
function megaflows(dump: string[]): string[] {
  const byId = new Map(dump.slice(1).map((l) => [/recirc_id\((0x[0-9a-f]+|0)\)/.exec(l)![1], l]));
  const out: string[] = [];
  for (let id: string | undefined = '0'; id && byId.has(id);) {
    out.push(byId.get(id)!);
    id = /recirc\((0x[0-9a-f]+)\)$/.exec(byId.get(id)!)?.[1];
  }
  return out;
}

describe('bundled scenarios', () => {
  it('cover the six recorded conversations', () => {
    expect(names.sort()).toEqual(['icmp-vm1-vm2-ping', 'icmp-vm1-vm4-routed-ping', 'tcp-vm1-lb-vip', 'tcp-vm1-vm2-acl-deleted', 'tcp-vm1-vm2-http', 'tcp-vm1-vm2-ssh-denied']);
  });

  it.each(names)('%s: every expectation is what the recorded run shows', (name) => {
    const text = readFileSync(join(DIR, `${name}.scenario`), 'utf8');
    const rec = JSON.parse(readFileSync(join(ROOT, 'flows', 'conversations', `${name}.json`), 'utf8'));
    const { header, diagnostics } = readScenarioHeader(text, name);
    expect(diagnostics).toEqual([]);
    // The tables the recording started from, and each `@S flows PATH` where its tables changed.
    expect(header).toMatchObject({ flows: { text: rec.tables.replace(/^flows\//, '../') }, profile: 'userspace', controller: true });
    const read = readScenarios(text, name, { ports, profile: 'userspace' });
    expect(read.diagnostics).toEqual([]);
    const steps = read.scenarios[0].steps;
    expect(steps).toHaveLength(rec.steps.length);
    const changes = steps.flatMap((st, i) => (st.packet.flowsBefore ?? []).map((c) => ({ t: c.timeMs / 1000, before_step: i + 1, flows: c.text })));
    expect(changes).toEqual((rec.table_changes ?? []).map((c: any) => ({ t: c.t, before_step: c.before_step, flows: c.flows.replace(/^flows\//, '../') })));
    steps.forEach((st, i) => {
      const s = rec.steps[i];
      expect(st.packet.text).toBe(`${s.flow}  ${s.fields}`);
      const kinds = st.expects.map((e) => e.kind);
      expect(kinds.includes('drop')).toBe(s.delivered_to.length === 0);
      expect(kinds.includes('controller')).toBe(s.acl_log.length > 0);
      const chain = megaflows(s.datapath_flows);
      for (const e of st.expects) {
        if (e.kind === 'output') {
          expect(e.ports.map((p) => portName.get(p))).toEqual([expect.toBeOneOf(s.delivered_to)]);
          const frame = s.outputs.find((o: any) => o.ofport === e.ports[0]);
          const written = e.text.split(' ').slice(3).join(' ');
          for (const kv of written ? written.split(',') : []) expect(`,${frame.flow},`).toContain(`,${kv},`);
        }
        if (e.kind === 'fields') {
          // Per pass: the ct_state/ct_mark of that recirculation's megaflow; dp_hash as its
          // value (the megaflow masks the bits the group uses).
          const m = e.pass === 'last' ? chain[chain.length - 1] : chain[(e.pass as number) - 1];
          for (const kv of e.text.replace(/^expect pass \S+ /, '').split(',')) {
            const [k, v] = kv.split('=');
            expect(m).toContain(k === 'dp_hash' ? `${k}(${v}/` : `${k}(${v})`);
          }
        }
        if (e.kind === 'conntrack-entry') expect(s.conntrack).toContain(e.entry);
        if (e.kind === 'conntrack') expect(e.count).toBe(s.conntrack.length);
      }
      expect(st.expects.filter((e) => e.kind === 'output')).toHaveLength(s.outputs.length);
      expect(st.expects.filter((e) => e.kind === 'conntrack-entry')).toHaveLength(s.conntrack.length);
    });
  });
});
