// pop_mpls when ctflow runs packets with a tracker (`ctflow run`, conversations): what OVS
// 3.1 does right after the pop (outputs, L2 writes: recorded in test/oracle/trace-mod-mpls/)
// is reproduced; the recirculation OVS makes before any action past L2 would go on with the
// header that was under the label, which a packet given as `mpls,...` does not carry, so
// ctflow refuses it, saying so (a trace without a tracker stops there as ofproto/trace does).
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { parsePacket } from '../../src/packet/packet.js';
import { readFlows } from '../../src/parse/flows.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';

const PACKET = 'mpls,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,mpls_label=100,mpls_tc=0,mpls_ttl=64,mpls_bos=1';

function run(actions: string, tracker: boolean) {
  const file = readFlows(`in_port=1,mpls actions=${actions}\n`, 'flows.txt');
  expect(file.diagnostics).toEqual([]);
  const pipeline = buildPipeline(file.flows, { ports: { ofPorts: new Set([1, 2, 3]), dpPorts: new Map(), local: 100 } });
  const conntrack = tracker ? newConntrack({ profile: 'userspace' }) : null;
  return () => runPacket({ pipeline, conntrack }, parsePacket(PACKET), 0);
}

describe('pop_mpls with a tracker', () => {
  it('pops and outputs as OVS does (pop-mpls-output, pop-mpls-mod-dl-src)', () => {
    expect(run('pop_mpls:0x0800,output:2', true)().trace.passes[0].datapathActions).toBe('pop_mpls(eth_type=0x800),2');
    expect(run('pop_mpls:0x0800,mod_dl_src:02:00:00:00:00:99,output:2', true)().trace.passes[0].datapathActions)
      .toBe('set(eth(src=02:00:00:00:00:99)),pop_mpls(eth_type=0x800),2');
  });
  it('refuses the recirculation before an L3 action, naming the bytes it lacks', () => {
    expect(run('pop_mpls:0x0800,mod_nw_src:10.9.9.9,output:2', true))
      .toThrow(/recirculation after pop_mpls \(OVS parses the packet again .*bytes a packet given as mpls does not carry;.*stops there, as ofproto\/trace does\)/);
  });
  it('without a tracker stops at the recirculation, as ofproto/trace (pop-mpls-mod-nw-src)', () => {
    const r = run('pop_mpls:0x0800,mod_nw_src:10.9.9.9,output:2', false)();
    expect(r.trace.passes).toHaveLength(1);
    expect(r.trace.passes[0].datapathActions).toBe('pop_mpls(eth_type=0x800),recirc(0x1)');
  });
});
