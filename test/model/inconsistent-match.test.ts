// Actions that do not fit their flow's match restrict the flow to OpenFlow 1.0 (OVS's
// inconsistent_match): over -O OpenFlow13 real ovs-ofctl 3.1 refuses them with "none of
// the usable flow formats (OpenFlow10,NXM) is among the allowed flow formats", over
// OpenFlow 1.0 it takes them. Recorded with `ovs-ofctl -O OpenFlow13 add-flow br0 LINE`
// on a dummy switch (2026-11-25).
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';

const OVS_OF13 = new Map<string, 'refused' | 'added'>([
  ['actions=mod_nw_src:1.2.3.4', 'refused'],
  ['ip,actions=mod_nw_src:1.2.3.4', 'added'],
  ['actions=mod_tp_dst:80', 'refused'],
  ['ip,actions=mod_tp_dst:80', 'refused'],
  ['tcp,actions=mod_tp_dst:80', 'added'],
  ['actions=mod_nw_ttl:5', 'refused'],
  ['ipv6,actions=mod_nw_tos:8', 'added'],
  ['arp,actions=mod_dl_src:00:00:00:00:00:01', 'added'],
  ['actions=strip_vlan', 'refused'],
  ['dl_vlan=5,actions=strip_vlan', 'added'],
  ['actions=mod_nw_ecn:1', 'refused'],
]);

describe('actions inconsistent with the match', () => {
  for (const [line, ovs] of OVS_OF13) {
    it(`${line}: ${ovs} over OpenFlow 1.3, added over 1.0 and as a dump line`, () => {
      const of13 = readFlows(line, 'f', { ofVersion: 13 });
      expect(of13.diagnostics.length === 1 ? 'refused' : 'added').toBe(ovs);
      if (ovs === 'refused') expect(of13.diagnostics[0].message).toMatch(/only OpenFlow 1\.0 can carry that/);
      expect(readFlows(line, 'f').diagnostics).toEqual([]);
      expect(readFlows(`OFPST_FLOW reply (OF1.3) (xid=0x2):\n ${line}`, 'f', { ofVersion: 13 }).diagnostics).toEqual([]);
    });
  }
});
