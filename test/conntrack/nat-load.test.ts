// A saved table with NATed entries read back (--conntrack): the NAT is read from the
// tuples (src/conntrack/nat.ts natOfTuples), so the packets after it are translated as the
// recording shows. Each recorded OVS 3.1 userspace conversation (test/oracle/nat and
// test/oracle/nat-null/userspace) is cut after its first packet: OVS's own
// `dpctl/dump-conntrack -m -s` then is loaded, and the rest is replayed from there: ports,
// addresses/ports of every frame that left, and the table after each packet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEntries, newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { formatPacketFlow } from '../../src/packet/format.js';
import { readFlows } from '../../src/parse/flows.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { compareLines, ORACLE } from './oracle-replay.js';

const read = (p: string) => readFileSync(p, 'utf8');
const KEEP = ['nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'tp_src', 'tp_dst'];
const l3l4 = (flow: string) => flow.split(',').filter((kv) => KEEP.includes(kv.split('=')[0])).join(',');

function fromSecondPacket(dir: string): string[] {
  const flows = readFlows(read(join(dir, 'flows.txt')), 'flows.txt');
  const conv = readConversation(read(join(dir, 'packets.conv')), 'packets.conv');
  const rec = JSON.parse(read(join(dir, 'result.json')));
  const conntrack = newConntrack({ profile: 'userspace' });
  conntrack.restore(loadEntries(rec.steps[0].conntrack_ms, Math.round(rec.steps[0].t * 1000)));
  const replay = new Replay({ pipeline: buildPipeline(flows.flows), conntrack });
  const out: string[] = [];
  conv.packets.slice(1).forEach((p, i) => {
    const s = rec.steps[i + 1];
    const where = `step ${s.step}`;
    const v = replay.send(p);
    const got = v.result.sent.map((f) => l3l4(formatPacketFlow(f)));
    const want = s.outputs.map((o: any) => l3l4(o.flow));
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${where}: frames ${JSON.stringify(got)}, OVS ${JSON.stringify(want)}`);
    compareLines(`${where} dump-conntrack -m -s`, v.conntrack, s.conntrack_ms, out);
  });
  return out;
}

describe('a saved table with NATed entries, read back, translates the packets after it (OVS 3.1 userspace)', () => {
  it.each(['snat-tcp', 'snat-udp', 'snat-icmp', 'snat-udp6', 'dnat-vip'])('nat/%s', (name) => {
    expect(fromSecondPacket(join(ORACLE, 'nat', name))).toEqual([]);
  });
  it.each(['bare-nat-tcp', 'bare-nat-udp', 'null-binding'])('nat-null/userspace/%s', (name) => {
    expect(fromSecondPacket(join(ORACLE, 'nat-null', 'userspace', name))).toEqual([]);
  });
});
