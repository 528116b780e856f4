// push_mpls on an NSH packet that has no Ethernet header (packet_type (1,0x894f)): OVS 3.1
// changes the flow (dl_type MPLS, a label stack entry) and the trace prints neither header
// (recorded case encap-nsh-resubmit-push-mpls-out-of13). Committing that packet to the
// datapath (here at encap(ethernet)'s output) makes ovs-vswitchd abort on an assertion
// (seen while recording: nothing to record), so ctflow refuses it, naming it.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket } from '../../src/packet/packet.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';

const PACKET = 'tcp,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=40000,tp_dst=80,tcp_flags=syn';

function trace(table1: string) {
  const text = `table=0,priority=100,ip,in_port=1 actions=encap(nsh(md_type=1)),resubmit(,1)\ntable=1,priority=100 actions=${table1}\n`;
  const file = readFlows(text, 'flows.txt', { ofVersion: 13 });
  expect(file.diagnostics).toEqual([]);
  const pipeline = buildPipeline(file.flows, { ofVersion: 13, ports: { ofPorts: new Set([1, 2]), dpPorts: new Map(), local: 100 } });
  return () => runPacket({ pipeline }, parsePacket(PACKET), 0);
}

describe('push_mpls on an L3 NSH packet', () => {
  it('refuses the commit OVS aborts on', () => {
    expect(trace('push_mpls:0x8847,encap(ethernet),output:2')).toThrow(/push_mpls on an NSH packet .*OVS 3\.1 aborts/);
  });
  it('runs when nothing commits it (the output drops it first, as OVS does)', () => {
    const r = trace('push_mpls:0x8847,output:2')();
    expect(r.trace.passes[0].finalFlow).toBe('packet_type=(1,0x894f),in_port=1');
  });
});
