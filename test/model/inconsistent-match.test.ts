// Actions that do not fit their flow's match restrict the flow to OpenFlow 1.0 (OVS's
// inconsistent_match): over -O OpenFlow13 real ovs-ofctl 3.1 refuses them with "none of
// the usable flow formats (OpenFlow10,NXM) is among the allowed flow formats", over
// OpenFlow 1.0 it takes them, except mod_nw_ttl/mod_nw_ecn: OpenFlow 1.0 has no such
// action, so they go as a load that needs an IP match (OFPBAC_MATCH_INCONSISTENT).
// Recorded with `ovs-ofctl [-O OpenFlow13] add-flow br0 LINE` on a dummy switch (2026-11-25;
// the 1.0 refusals also in test/oracle/trace-mod-mpls/cases/reject-legacy-mod-nw-ttl-arp).
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';

/** Lines real OVS refuses over OpenFlow 1.0 too. */
const OVS_OF10_REFUSED = new Set(['actions=mod_nw_ttl:5', 'actions=mod_nw_ecn:1']);

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
    const of10 = OVS_OF10_REFUSED.has(line) ? 'refused' : 'added';
    it(`${line}: ${ovs} over OpenFlow 1.3, ${of10} over 1.0, added as a dump line`, () => {
      const of13 = readFlows(line, 'f', { ofVersion: 13 });
      expect(of13.diagnostics.length === 1 ? 'refused' : 'added').toBe(ovs);
      if (ovs === 'refused') expect(of13.diagnostics[0].message).toMatch(/only OpenFlow 1\.0 can carry that/);
      const over10 = readFlows(line, 'f').diagnostics;
      expect(over10.length === 1 ? 'refused' : 'added').toBe(of10);
      if (of10 === 'refused') expect(over10[0].message).toMatch(/lacks correct prerequisites.*OFPBAC_MATCH_INCONSISTENT/);
      expect(readFlows(`OFPST_FLOW reply (OF1.3) (xid=0x2):\n ${line}`, 'f', { ofVersion: 13 }).diagnostics).toEqual([]);
    });
  }
});
