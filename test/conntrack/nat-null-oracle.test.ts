// ct(nat) forms that name no address, recorded on real OVS 3.1 userspace conntrack
// (test/oracle/nat-null/userspace, recorded by test/oracle/nat-null/record.py) and replayed
// with ctflow's userspace profile. Every ct() there recirculates to a table that copies
// ct_state into the low byte of the frame's source MAC, so each frame that left carries
// the bits its ct() gave it. Per packet: the ports it left by, each frame's MACs,
// addresses and ports, and the whole `dpctl/dump-conntrack -m -s` table (timeouts ±1 s).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { formatPacketFlow } from '../../src/packet/format.js';
import { compareLines } from './oracle-replay.js';

const ORACLE = join(import.meta.dirname, '..', 'oracle', 'nat-null', 'userspace');
const read = (p: string) => readFileSync(p, 'utf8');
const KEEP = ['dl_src', 'dl_dst', 'nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'tp_src', 'tp_dst', 'icmp_type'];
/** The fields of a frame that NAT and the ct_state copy may change, in flow syntax. */
const frame = (flow: string): string => flow.split(',').filter((kv) => KEEP.includes(kv.split('=')[0])).join(',');

function replayCase(name: string): string[] {
  const dir = join(ORACLE, name);
  const flows = readFlows(read(join(dir, 'flows.txt')), 'flows.txt');
  expect(flows.diagnostics).toEqual([]);
  const conv = readConversation(read(join(dir, 'packets.conv')), 'packets.conv');
  expect(conv.diagnostics).toEqual([]);
  const rec = JSON.parse(read(join(dir, 'result.json')));
  expect(conv.packets.length).toBe(rec.steps.length);
  const replay = new Replay({ pipeline: buildPipeline(flows.flows), conntrack: newConntrack({ profile: 'userspace' }) });
  const out: string[] = [];
  conv.packets.forEach((p, i) => {
    const s = rec.steps[i];
    const where = `${name} step ${s.step}`;
    const v = replay.send(p);
    const got = v.result.sent.map((f) => frame(formatPacketFlow(f)));
    const want = s.outputs.map((o: any) => frame(o.flow));
    if (JSON.stringify(v.result.outputs) !== JSON.stringify(s.outputs.map((o: any) => o.ofport))) {
      out.push(`${where}: outputs ${JSON.stringify(v.result.outputs)}, OVS ${JSON.stringify(s.outputs.map((o: any) => o.ofport))}`);
    }
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${where}: frames ${JSON.stringify(got)}, OVS ${JSON.stringify(want)}`);
    compareLines(`${where} dump-conntrack -m -s`, v.conntrack, s.conntrack_ms, out);
  });
  return out;
}

/** The NAT exhaustion warnings ovs-vswitchd logged per case: the log of the recording run,
 *  where each case starts by replacing the flows (a `flow_mods … deletes` line). */
function loggedExhaustion(): number[] {
  const counts: number[] = [];
  for (const line of read(join(ORACLE, 'ovs-vswitchd-log.txt')).split('\n')) {
    if (/flow_mods in the last .*deletes/.test(line)) counts.push(0);
    else if (line.includes('Unable to NAT due to tuple space exhaustion')) counts[counts.length - 1]++;
  }
  return counts;
}

/** The packets of a case that ctflow's trace says found no free NAT tuple. */
function ctflowExhaustion(name: string): number {
  const dir = join(ORACLE, name);
  const replay = new Replay({ pipeline: buildPipeline(readFlows(read(join(dir, 'flows.txt')), 'flows.txt').flows), conntrack: newConntrack({ profile: 'userspace' }), trace: true });
  return readConversation(read(join(dir, 'packets.conv')), 'packets.conv').packets
    .filter((p) => replay.send(p).result.trace.passes.some((ps) => ps.events.some((e) => e.kind === 'note' && e.text.includes('Unable to NAT due to tuple space exhaustion')))).length;
}

describe('ct(nat) without an address against real OVS 3.1 userspace conntrack', () => {
  it('a trace note for each packet OVS logged "Unable to NAT due to tuple space exhaustion" for (recording order)', () => {
    const order = ['bare-nat-tcp', 'bare-nat-udp', 'bare-nat-icmp', 'bare-nat-udp6', 'null-binding'];
    expect(order.map(ctflowExhaustion)).toEqual(loggedExhaustion());
  });
  const names = readdirSync(ORACLE, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  it('has the seven recorded cases', () => expect(names).toEqual(['bare-nat-expected', 'bare-nat-icmp', 'bare-nat-tcp', 'bare-nat-udp', 'bare-nat-udp6', 'null-binding', 'snat-expected']));
  for (const name of names) it(`${name}: ports, frames (ct_state in dl_src) and dump-conntrack after each packet`, () => expect(replayCase(name)).toEqual([]));
});
