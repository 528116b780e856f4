// `--conntrack FILE`: a run may start from a saved conntrack table. Recorded real OVS
// 3.1 (userspace conntrack, test/oracle/ovs-userspace/cases/tcp-fin-server-first): after
// the handshake the table held one ESTABLISHED entry, and the server's FIN|ACK then got
// ct_state +trk+est+rpl. Loading that dump line and sending the FIN|ACK must give the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEntries, newConntrack } from '../../src/conntrack/index.js';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket, parsePacketExtra } from '../../src/packet/packet.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';
import { formatTraceText } from '../../src/trace/text.js';

interface Step { step: number; flow: string; ct_state: string; dump_conntrack: string[] }
const CASE = join(import.meta.dirname, '../oracle/ovs-userspace/cases/tcp-fin-server-first/result.json');
const steps = (JSON.parse(readFileSync(CASE, 'utf8')) as { steps: Step[] }).steps;

const FLOWS = [
  'table=0,priority=100,ct_state=-trk,ip actions=ct(zone=1,table=1)',
  'table=1,priority=100,ct_state=+new+trk,ip,in_port=1 actions=ct(commit,zone=1),output:2',
  'table=1,priority=100,ct_state=+est+trk,ip,in_port=1 actions=output:2',
  'table=1,priority=100,ct_state=+est+trk,ip,in_port=2 actions=output:1',
  'table=1,priority=0 actions=drop',
].join('\n');

function packetOf(s: Step, inPort: number) {
  const [flow, extra] = s.flow.split(/\s{2,}/);
  const p = parsePacket(`in_port=${inPort},${flow}`);
  p.extra = parsePacketExtra(extra ?? '');
  return p;
}

const pipeline = () => buildPipeline(readFlows(FLOWS, 'flows.txt').flows, {
  ports: { ofPorts: new Set([1, 2]), dpPorts: new Map(), local: 100 },
});

const plus = (text: string) => text.split('|').map((f) => '+' + f).sort().join('');

describe('trace from a saved conntrack table', () => {
  it('the FIN|ACK after the recorded ESTABLISHED entry is +trk+est+rpl, as OVS recorded', () => {
    const ct = newConntrack({ profile: 'userspace' });
    ct.restore(loadEntries(steps[2].dump_conntrack, 0));
    const r = runPacket({ pipeline: pipeline(), conntrack: ct }, packetOf(steps[3], 2), 1000);
    expect(plus(r.trace.passes[1].ctState!)).toBe(plus(steps[3].ct_state.slice(1).split('+').join('|')));
    expect(r.outputs).toEqual([1]);
    const text = formatTraceText(r.trace, 'br-int');
    expect(text).toContain('bridge("br-int")\n--------------');
    expect(text).toContain('came from an entry already in the table (loaded with --conntrack');
  });

  it('without the saved table the same packet is not established', () => {
    const ct = newConntrack({ profile: 'userspace' });
    const r = runPacket({ pipeline: pipeline(), conntrack: ct }, packetOf(steps[3], 2), 1000);
    expect(r.trace.passes[1].ctState).not.toContain('est');
  });

  it('a conversation names the packet that committed the connection', () => {
    const ct = newConntrack({ profile: 'userspace' });
    const pp = pipeline();
    runPacket({ pipeline: pp, conntrack: ct, packetNo: 1 }, packetOf(steps[0], 1), 158);
    const r = runPacket({ pipeline: pp, conntrack: ct, packetNo: 2 }, packetOf(steps[1], 2), 300);
    expect(plus(r.trace.passes[1].ctState!)).toBe(plus(steps[1].ct_state.slice(1).split('+').join('|')));
    expect(formatTraceText(r.trace)).toContain('ct_state=est|rpl|trk came from the entry committed by packet 1');
  });
});
