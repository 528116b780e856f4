// Conversation lines for SCTP and GRE (src/conversation/extra-sctp.ts): every packet the
// kernel recorder wrote (test/oracle/kernel-{sctp,gre}) read as a conversation line gives
// conntrack the same packet as the recordings' own reader, and bad fields are refused
// with their place.
import { describe, expect, it } from 'vitest';
import { readConversation } from '../../src/conversation/read.js';
import { toCtPacket } from '../../src/packet/ct.js';
import { caseNames, readCase } from './oracle-replay.js';
import { parsePacketLine } from './packet-line.js';

const one = (line: string) => readConversation(line, 'x.conv');
const SCTP = 'sctp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=4000,tp_dst=2905';
const GRE = 'ip,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=47';

describe.each(['kernel-sctp', 'kernel-gre'])('recorded %s packets as conversation lines', (dir) => {
  it.each(caseNames(dir))('%s', (name) => {
    const steps: { t: number; flow: string }[] = readCase(dir, name).steps;
    const conv = one(steps.map((s) => `@${s.t} ${s.flow}`).join('\n'));
    expect(conv.diagnostics).toEqual([]);
    expect(conv.packets.map((p) => toCtPacket(p.packet))).toEqual(steps.map((s) => parsePacketLine(s.flow)));
  });
});

describe('SCTP / GRE packet fields', () => {
  it('reads chunks in order, tags in decimal or hex, the T bit on ABORT only', () => {
    const p = toCtPacket(one(`${SCTP}  vtag=0x2000beef chunks=[sack,abort,6] tflag`).packets[0]!.packet);
    expect(p.sport).toBe(4000);
    expect(p.sctp).toEqual({ vtag: 0x2000beef, chunks: [{ type: 3 }, { type: 6, t: true }, { type: 6, t: true }] });
    const init = toCtPacket(one(`${SCTP}  chunks=init vtag=0 init_tag=77`).packets[0]!.packet);
    expect(init.sctp).toEqual({ vtag: 0, chunks: [{ type: 1, initTag: 77 }] });
  });

  it('reads a PPTP GRE call id', () => {
    expect(toCtPacket(one(`${GRE}  gre_version=1 gre_key=0x1111`).packets[0]!.packet).gre).toEqual({ version: 1, key: 0x1111 });
    expect(toCtPacket(one(GRE).packets[0]!.packet).gre).toBeUndefined();
  });

  it.each([
    [SCTP, 'an SCTP packet needs chunks=[...]', ''],
    [`${SCTP}  vtag=1 chunks=[dta]`, "unknown SCTP chunk 'dta' (did you mean 'data'?)", 'dta'],
    [`${SCTP}  vtag=0 chunks=[init]`, 'an INIT or INIT_ACK chunk needs its initiate tag', 'init'],
    [`${SCTP}  vtag=1 chunks=[data] init_tag=5`, 'init_tag= belongs to an INIT or INIT_ACK chunk', 'init_tag'],
    [`${SCTP}  vtag=1 chunks=[data] tflag`, 'tflag is the T bit of an ABORT or SHUTDOWN_COMPLETE chunk', 'tflag'],
    [`${SCTP}  vtag=-1 chunks=[data]`, "vtag=: expected a number (decimal or 0x hex), got '-1'", '-1'],
    [`${SCTP}  vtag=0x100000000 chunks=[data]`, 'vtag=: 0x100000000 is out of range', '0x100000000'],
    [`${SCTP}  chunks=[data] seq=4`, 'seq= applies to tcp/icmp packets, this one is sctp', 'seq'],
    [`${GRE}  gre_version=2`, 'gre_version=2: conntrack knows GRE versions 0 and 1', '2'],
    [`${GRE}  gre_key=5`, "gre_key= is the call id of PPTP's enhanced GRE: it needs gre_version=1", ''],
    [`${GRE}  vtag=5`, 'vtag= applies to sctp packets, this one is gre', 'vtag'],
  ])('refuses %s', (line, message, at) => {
    const d = one(line).diagnostics[0]!;
    expect(d.message).toContain(message);
    if (at) expect(line.slice(d.col - 1, d.col - 1 + d.len)).toBe(at);
  });
});
