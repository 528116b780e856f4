// Oracle cases where ctflow does not (yet) give what real OVS 3.1 recorded, and why.
// The oracle test fails when one of these starts agreeing, so the list stays honest.
const REJECT = 'OVS refuses the flows at add-flows time; ctflow\'s parser accepts them';
// FLOOD/ALL: same ports as OVS, and OVS's bucket order (src/pipeline/flood.ts); inside a
// hash bucket (here 1, 4 and LOCAL share one) OVS's order changes from one ovs-vswitchd
// start to the next (this case was seen as 100,4,2,3 and 4,100,2,3). ctflow prints 4,100:
// one of the two. (all-from-local agrees because its bucket holds 1 and 4 in ctflow's order.)
const ORDER = 'order inside a hash bucket: OVS 100,4,2,3 on this recording, 4,100,2,3 on another start of the same daemon; ctflow 4,100,2,3';
// NORMAL floods along OVS's bundle list, whose order comes from a hash of heap addresses:
// each recording shows another permutation of the same ports (test/pipeline/normal.test.ts
// checks that ctflow outputs the same actions, as a multiset, and everything else agrees).
const NORMAL = 'NORMAL flood order is OVS\'s bundle list order, different on every ovs-vswitchd start (same ports as OVS, other order)';

export const KNOWN = new Map<string, string>([
  ['all', ORDER], ['flood', ORDER],
  ['normal-broadcast-arp', NORMAL],
  ['normal-tagged', NORMAL], ['normal-after-mod-vlan', NORMAL],
  ['reject-flow-in-table-254-partial-add', 'OVS added the flows before the refused one; the harness treats a refused file as empty'],
  ['normal-unknown-dst', NORMAL],
  ['reject-group-missing', REJECT], ['reject-meter-missing-of13', REJECT],
  ['reject-pop-vlan-untagged-match-of13', REJECT],
]);
