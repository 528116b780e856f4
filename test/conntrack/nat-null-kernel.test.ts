// The kernel profile's ct(nat) forms without an address, against real nf_nat (kernel 6.18,
// test/oracle/nat-null/kernel, recorded by test/oracle/nat-null/record-kernel.py in the
// kernel lab: zone 1 in a bridge namespace). OVS's kernel datapath gives nat(src) without an
// address nf_nat's null binding for the source, as nftables gives every connection at
// postrouting (null-snat-clash); a bare nat binds nothing (bare-nat-clash: no nat chain).
// Each case's packets run through its flows.txt, which says the ct(commit,nat…) each packet
// stands for. The datapath drops a packet whose commit fails, and so does ctflow's kernel
// profile, whatever the tables say about +inv (test/pipeline/ct-fail-kernel.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { formatPacketFlow } from '../../src/packet/format.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { compareLines, ORACLE } from './oracle-replay.js';

const DIR = join(ORACLE, 'nat-null', 'kernel');
const field = (line: string, k: string) => new RegExp(`(?:^|,)${k}=([^,\\s]+)`).exec(line)?.[1];
const frame = (line: string) => ['nw_src', 'nw_dst', 'tp_src', 'tp_dst'].map((k) => `${k}=${field(line, k)}`).join(',');

/** The client port the null binding moved (random in the kernel: only its class is checked). */
function maskMoved(lines: string[], out: string[]): string[] {
  return lines.map((l) => l.replace(/(sport=53 dport=|tp_src=)(\d+)/, (all, head: string, port: string) => {
    if (port === '40000' || port === '53') return all;
    if (Number(port) < 1024 || Number(port) > 65535) out.push(`moved port ${port} outside 1024-65535`);
    return `${head}MOVED`;
  }));
}

/**
 * `before`: a packet sent first, not compared (it makes the entry conntrack -I made in the
 * recording); `frames`: whether a step's frame is compared.
 */
function replay(name: string, file: string, before = '', frames = (_step: number) => true): string[] {
  const c = JSON.parse(readFileSync(join(DIR, name, file), 'utf8'));
  const flows = readFlows(readFileSync(join(DIR, name, 'flows.txt'), 'utf8'), 'flows.txt');
  expect(flows.diagnostics).toEqual([]);
  // The lab's client sends from port 1, the server from port 2.
  const lines = c.steps.map((s: any) => `@${s.t} ${s.flow.replace(/^udp,/, `udp,in_port=${s.who === 'c' ? 1 : 2},`)}`);
  const conv = readConversation([before, ...lines].filter(Boolean).join('\n') + '\n', `${name}.conv`);
  expect(conv.diagnostics).toEqual([]);
  const replay = new Replay({ pipeline: buildPipeline(flows.flows), conntrack: newConntrack({ profile: 'kernel' }) });
  if (before) replay.send(conv.packets.shift()!);
  const out: string[] = [];
  c.steps.forEach((s: any, i: number) => {
    const where = `${name} step ${s.step}`;
    const v = replay.send(conv.packets[i]);
    const passed = v.result.sent.length > 0;
    if (passed !== s.delivered) out.push(`${where}: ${passed ? 'passed' : 'dropped'}, kernel ${s.delivered ? 'delivered it' : 'dropped it'}`);
    if (passed && s.delivered && frames(s.step)) {
      const [got, want] = maskMoved([frame(formatPacketFlow(v.result.sent[0])), frame(s.received[0])], out);
      if (got !== want) out.push(`${where}: frame ${got}, kernel ${want}`);
    }
    // ctflow's table is read when the packet is done; the kernel's dump_after_s later.
    compareLines(`${where} conntrack -L`, maskMoved(v.conntrack, out), maskMoved(s.conntrack_L, out), out);
  });
  return out;
}

describe('kernel profile: ct(nat) without an address against nf_nat (kernel 6.18)', () => {
  // Recorded twice: the kernel moved the port to 14152, then to 26634.
  it.each(['result.json', 'result-second-run.json'])('null-snat-clash (%s): nat(src) with no address moves the client port whose reply tuple a DNAT holds', (file) => {
    expect(replay('null-snat-clash', file)).toEqual([]);
  });
  it('bare-nat-clash: a bare nat binds nothing, so the clashing connection is dropped at commit', () => {
    // The reply (step 3) meets an entry conntrack -I made, which nf_nat never translates:
    // only the verdict and the table are compared there.
    const vip = '@0 udp,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=172.16.255.130,nw_dst=172.16.255.200,nw_ttl=64,tp_src=40000,tp_dst=53  len=8';
    expect(replay('bare-nat-clash', 'result.json', vip, (step) => step !== 3)).toEqual([]);
  });
});
