// Rejections of the simple actions (set_field/load, mod_*, VLAN, MPLS, queues, note,
// multipath, bundle, ...): each input was refused by real ovs-ofctl 3.1 or by the switch
// (test/corpus/errors.json); ctflow must refuse it at the same place with OVS's reason.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_PORTS, loadCorpus } from '../helpers/corpus.js';

const recorded = new Map(loadCorpus('errors').map((e) => [e.input, e]));

/** [input, 1-based column of the offending text, ctflow's message]. */
const CASES: [string, number, string][] = [
  ['actions=load:0x1234567890abcdef->NXM_NX_XREG0[]', 34, "NXM_NX_XREG0[]: unknown field `NXM_NX_XREG0' (did you mean 'NXM_NX_REG0'?)"],
  ['actions=set_field:1->reg0[0]', 22, 'reg0[0] is not a valid OXM field name'],
  ['actions=set_field:0xff->reg0[8..15]', 25, 'reg0[8..15] is not a valid OXM field name'],
  ['actions=set_field:10.4.3.77->ip_src', 9, 'set_field ip_src lacks correct prerequisites: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)'],
  ['actions=set_field:4103->vlan_vid', 9, 'set_field vlan_vid lacks correct prerequisites: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)'],
  ['actions=set_field:2->vlan_pcp', 9, 'set_field vlan_pcp lacks correct prerequisites: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)'],
  ['mpls,actions=set_field:1->mpls_bos', 27, 'mpls_bos is read-only'],
  ['actions=set_field:0x1->ct_mark', 9, 'cannot set CT fields outside of ct action'],
  ['actions=set_field:1->ct_label', 9, 'cannot set CT fields outside of ct action'],
  ['actions=set_field:5->skb_priority', 22, 'skb_priority is read-only'],
  ['actions=load:256->reg0[0..7]', 14, 'load: value 0x100 does not fit into 8 bits'],
  ['actions=load:1->bogus', 17, "bogus: unknown field `bogus'"],
  ['actions=load:1', 14, "1: missing '->'"],
  ['actions=enqueue:flood:1', 17, 'enqueue to port flood is not allowed: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)'],
  ['actions=enqueue:1', 9, '"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"'],
  ['actions=note:zz', 14, "bad hex digit in `note' argument"],
  ['actions=note:1.2.3', 14, "bad hex digit in `note' argument"],
  ['actions=set_field:1->bogus', 22, 'bogus is not a valid OXM field name'],
  ['actions=set_field:1', 19, "1: missing '->'"],
  ['actions=set_field:0x100000000->reg0', 19, '0x100000000: value too large for 4-byte field reg0'],
  ['actions=mod_vlan_vid:4096', 22, '4096: not a valid VLAN VID'],
  ['actions=mod_vlan_pcp:8', 22, '8: not a valid VLAN PCP'],
  ['ip,actions=mod_nw_tos:3', 23, '3: not a valid TOS'],
  ['ip,actions=mod_nw_ecn:4', 23, '4: not a valid ECN'],
  ['ip,actions=mod_nw_src:1.2.3', 23, '1.2.3: could not convert to IP address'],
  ['actions=mod_dl_src:00:11:22', 20, 'invalid mac address 00:11:22'],
  ['tcp,actions=mod_tp_dst:65536', 24, 'invalid destination port "65536"'],
  ['actions=push_vlan:0x1234', 19, '0x1234: not a valid VLAN ethertype'],
  ['actions=pop_mpls', 9, 'invalid pop_mpls ""'],
  ['actions=push_mpls:0x0800', 19, 'push_mpls: 0x0800 is not an MPLS ethertype (0x8847 or 0x8848); the switch answers OFPBAC_BAD_ARGUMENT'],
  ['actions=set_tunnel:0x10000000000000000', 20, 'invalid numeric format 0x10000000000000000'],
  ['actions=multipath(eth_src,50,bogus,12,0,reg0[0..3])', 30, "eth_src,50,bogus,12,0,reg0[0..3]: unknown algorithm `bogus'"],
  ['actions=multipath(eth_src,50,hrw,12,0,reg0[0..1])', 39, 'eth_src,50,hrw,12,0,reg0[0..1]: 2-bit destination field has 4 possible values, less than specified n_links 12'],
  ['actions=bundle(eth_src,50,bogus,ofport,members:1)', 27, "eth_src,50,bogus,ofport,members:1: unknown algorithm `bogus'"],
  ['actions=bundle(eth_src,50,hrw,bogus,members:1)', 31, "eth_src,50,hrw,bogus,members:1: unknown member_type `bogus'"],
  ['actions=bundle_load(eth_src,50,hrw,ofport,reg0[0..7],members:1)', 43, 'bundle_load action requires at least 16 bit destination (OFPBAC_BAD_ARGUMENT)'],
  ['actions=fin_timeout(bogus=1)', 21, "invalid key 'bogus' in 'fin_timeout' argument"],
  ['actions=encap(bogus)', 15, 'Encap hdr not supported: bogus'],
  ['actions=set_queue', 9, 'missing required numeric argument'],
];

/** The reason real OVS gave: ovs-ofctl's own sentence, or the OpenFlow error code the switch sent. */
function ovsReason(error: string): string {
  const own = /^ovs-ofctl: (.*)$/m.exec(error);
  if (own) return own[1].replace(/`->'/, "'->'").trim();
  return /(OFPBAC_[A-Z_]+)/.exec(error)![1];
}

describe('simple actions: rejected like ovs-ofctl', () => {
  it.each(CASES)('%s', (input, col, message) => {
    const e = recorded.get(input);
    expect(e?.error, 'recorded as rejected by real OVS').toBeTruthy();
    const r = readFlows(input, 'flows.txt', { ports: CORPUS_PORTS });
    expect(r.flows).toHaveLength(0);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect({ line: d.line, col: d.col, message: d.message }).toEqual({ line: 1, col, message });
    // The same reason as OVS (ovs-ofctl's sentence, minus its argument echo, or the switch's code).
    const reason = ovsReason(e!.error!);
    const core = reason.replace(/^[^:]*->[^:]*: /, '').replace(/^.*?\(OFPBAC/, '(OFPBAC');
    expect(message).toContain(core === 'Encap hdr not supported:' ? 'Encap hdr not supported' : core);
  });
});
