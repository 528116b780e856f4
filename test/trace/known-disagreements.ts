// Oracle cases where ctflow does not (yet) give what real OVS 3.1 recorded, and why.
// The oracle test fails when one of these starts agreeing, so the list stays honest.
const EXEC = 'action has no execute yet (interpreter fails loudly naming it)';
const REJECT = 'OVS refuses the flows at add-flows time; ctflow\'s parser accepts them';
const PKT = 'OVS refuses the trace packet; ctflow\'s packet parser accepts it';
const GROUP = 'groups.txt not read yet: src/parse/groups.ts does not take bucket_id:N';
const ORDER = 'OVS floods in its port-hash order (100,4,2,3); ctflow in port-number order';

export const KNOWN = new Map<string, string>([
  ['all', ORDER], ['all-from-local', ORDER], ['flood', ORDER],
  ['bundle-active-backup', EXEC], ['bundle-hrw', EXEC], ['bundle-load', EXEC], ['bundle-members-with-in-port', EXEC],
  ['multipath-hash-lb', EXEC], ['multipath-iter-hash-l3', EXEC], ['multipath-modulo-n-eth', EXEC],
  ['decap-ethernet-of13', EXEC], ['push-mpls', EXEC], ['enqueue', EXEC], ['set-queue-pop-queue', EXEC],
  ['sample-basic', EXEC], ['sample-half', EXEC], ['set-tunnel', EXEC], ['set-tunnel64-and-tun-dst', EXEC],
  ['encap-mpls-of13', 'parser refuses set_field mpls_label after encap(mpls) (prerequisites)'],
  ['encap-nsh-of13', 'parser refuses set_field nsh_spi after encap(nsh) (prerequisites)'],
  ['check-pkt-larger-ovn-mtu', 'OVS emits check_pkt_len(size=N,gt(...),le(...)) translating both branches; ctflow takes one'],
  ['check-pkt-larger-small', 'as check-pkt-larger-ovn-mtu'],
  ['check-pkt-larger-tiny-threshold', 'as check-pkt-larger-ovn-mtu'],
  ['controller-reason-id-pause', 'controller(pause) freezes the translation in OVS; not modelled'],
  ['meter-of13', 'OVS prints meter(N) with its datapath meter id; ctflow treats meters as no-ops'],
  ['meter-of15', 'as meter-of13'], ['meter-two-meters-goto-of13', 'as meter-of13'],
  ['learn-limit', 'learn(limit=…,result_dst=…) not modelled'],
  ['normal-broadcast-arp', 'output:NORMAL (L2 learning switch) not supported'],
  ['normal-tagged', 'output:NORMAL not supported'], ['normal-after-mod-vlan', 'output:NORMAL not supported'],
  ['reject-flow-in-table-254-partial-add', 'OVS added the flows before the refused one; the harness treats a refused file as empty'],
  ['write-actions-group-beats-output-of13', 'actset_output: OVS reports the flow unchanged when a group replaces the output'], ['normal-unknown-dst', 'output:NORMAL not supported'],
  ['group-select-default', GROUP], ['group-select-dp-hash', GROUP], ['group-select-hash', GROUP],
  ['group-select-ovn-lb', GROUP], ['group-select-ovn-lb-hash', GROUP],
  ['reject-group-missing', REJECT], ['reject-meter-missing-of13', REJECT], ['reject-output-none-port', REJECT],
  ['reject-pop-vlan-untagged-match-of13', REJECT],
  ['set-field-masked-ip', 'OF1.0 ovs-ofctl turns a masked set_field on ip_src into mod_nw_src (mask dropped); ctflow keeps the mask'],
  ['trace-error-ct-state-wildcard-in-packet', PKT], ['trace-error-icmp-type-on-icmp6', PKT],
  ['write-metadata-of13', 'parser: `# protocol: OpenFlow13` is not passed to readFlows (instruction order check)'],
  ['write-metadata-masked-of13', 'as write-metadata-of13'], ['write-metadata-resubmit-of13', 'as write-metadata-of13'],
]);
