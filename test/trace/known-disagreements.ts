// Oracle cases where ctflow does not (yet) give what real OVS 3.1 recorded, and why.
// The oracle test fails when one of these starts agreeing, so the list stays honest.
const REJECT = 'OVS refuses the flows at add-flows time; ctflow\'s parser accepts them';
const ORDER = 'OVS floods in the order of its port hash map (100,4,2,3 here: a hash of internal port structures, not reproducible offline); ctflow floods in port-number order';
const NORMAL = 'output:NORMAL (the L2 learning switch) is not emulated: the interpreter stops with an error naming it';

export const KNOWN = new Map<string, string>([
  ['all', ORDER], ['all-from-local', ORDER], ['flood', ORDER],
  ['encap-mpls-of13', 'parser refuses set_field mpls_label after encap(mpls) (prerequisites)'],
  ['encap-nsh-of13', 'parser refuses set_field nsh_spi after encap(nsh) (prerequisites)'],
  ['normal-broadcast-arp', NORMAL],
  ['normal-tagged', NORMAL], ['normal-after-mod-vlan', NORMAL],
  ['reject-flow-in-table-254-partial-add', 'OVS added the flows before the refused one; the harness treats a refused file as empty'],
  ['normal-unknown-dst', NORMAL],
  ['reject-group-missing', REJECT], ['reject-meter-missing-of13', REJECT],
  ['reject-pop-vlan-untagged-match-of13', REJECT],
]);
