// Oracle cases where ctflow does not (yet) give what real OVS 3.1 recorded, and why.
// The oracle test fails when one of these starts agreeing, so the list stays honest.
const REJECT = 'OVS refuses the flows at add-flows time; ctflow\'s parser accepts them';
// FLOOD/ALL: the same ports as OVS, in OVS's hash-bucket order (src/pipeline/flood.ts),
// but inside a bucket (1, 4 and LOCAL share one on this bridge) OVS's order changes from
// one ovs-vswitchd start to the next (`all` was seen as 100,4,2,3 and 4,100,2,3); ctflow
// sorts a bucket by port number. all-from-local agrees only because its recording happened
// to have 1 before 4. test/pipeline/normal.test.ts checks everything but that order.
const ORDER = 'FLOOD/ALL order inside a hash bucket differs with every ovs-vswitchd start (same ports and bucket order as OVS)';
// NORMAL floods along OVS's bundle list, whose order comes from a hash of heap addresses:
// each recording shows another permutation of the same ports (test/pipeline/normal.test.ts
// checks that ctflow outputs the same actions, as a multiset, and everything else agrees).
const NORMAL = 'NORMAL flood order is OVS\'s bundle list order, different on every ovs-vswitchd start (same actions as OVS, other order)';

export const KNOWN = new Map<string, string>([
  ['all', ORDER], ['flood', ORDER], ['all-from-4', ORDER], ['flood-from-2', ORDER], ['flood-from-3', ORDER],
  ['normal-from-local', NORMAL], ['normal-input-port-no-generate', NORMAL], ['normal-multicast-dst', NORMAL],
  ['normal-priority-tagged', NORMAL], ['normal-priority-tagged-pcp', NORMAL],
  ['normal-broadcast-arp', NORMAL],
  ['normal-tagged', NORMAL], ['normal-after-mod-vlan', NORMAL],
  ['reject-flow-in-table-254-partial-add', 'OVS added the flows before the refused one; the harness treats a refused file as empty'],
  ['normal-unknown-dst', NORMAL],
  ['reject-group-missing', REJECT], ['reject-meter-missing-of13', REJECT],
  ['reject-pop-vlan-untagged-match-of13', REJECT],
]);
