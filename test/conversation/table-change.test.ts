// `@S flows PATH` in a conversation: the OpenFlow tables change at that time while the
// bridge's other state carries on (conntrack, MAC learning), as when a controller rewrites
// a running switch's flows. The recorded OVN case (an ACL deleted mid-connection) is in
// ovn.test.ts and cli.test.ts; here the mechanics and the errors, through `ctflow run`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runConversation, type RunOpts } from '../../src/cli/run.js';

function capture(run: () => number): { code: number; out: string; err: string } {
  let out = '', err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try { return { code: run(), out, err }; } finally { vi.restoreAllMocks(); }
}
afterEach(() => vi.restoreAllMocks());

/** Writes the files into a new folder; returns the folder. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctflow-tables-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const KERNEL: RunOpts = { profile: 'kernel', sysctl: [] };
const verdicts = (out: string) => out.split('\n').filter((l) => l.startsWith('#')).map((l) => l.slice(l.lastIndexOf(' | ') + 3));

// A one-zone firewall: port 1 opens connections, port 2 answers them (open.flows); the
// same without the answers (closed.flows).
const OPEN = 'table=0,ip,ct_state=-trk,actions=ct(zone=1,table=1)\ntable=1,ip,in_port=1,actions=ct(commit,zone=1),output:2\ntable=1,ip,in_port=2,ct_state=+est+trk,actions=output:1\n';
const CLOSED = 'table=0,ip,ct_state=-trk,actions=ct(zone=1,table=1)\ntable=1,ip,in_port=1,actions=ct(commit,zone=1),output:2\n';
const Q = 'udp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=5000,tp_dst=53 len=40';
const A = 'udp,in_port=2,nw_src=10.0.0.2,nw_dst=10.0.0.1,tp_src=53,tp_dst=5000 len=40';

describe('ctflow run with table changes', () => {
  it('later packets meet the new tables; the conntrack entry of the earlier ones is still there', () => {
    const dir = folder({
      'open.flows': OPEN, 'closed.flows': CLOSED,
      'c.conv': `@0 ${Q}\n@0.1 ${A}\n@1 flows closed.flows\n@1.1 ${A}\n@2 flows open.flows\n@2.1 ${A}\n`,
    });
    const r = capture(() => runConversation(join(dir, 'open.flows'), join(dir, 'c.conv'), KERNEL));
    expect(r.err).toBe('');
    // The answer after the change is still +est (the entry lives on) but no flow lets it out.
    expect(verdicts(r.out)).toEqual(['output 2', 'output 1', 'drop', 'output 1']);
    expect(r.out.split('\n').filter((l) => l.startsWith('#')).map((l) => /ct: ([^|]*\|[^|]*\|[^ ]*)/.exec(l)?.[1]))
      .toEqual(['zone 1: new|trk, new|trk+commit', 'zone 1: est|rpl|trk', 'zone 1: est|rpl|trk', 'zone 1: est|rpl|trk']);
    expect(r.out).toContain('@1.000 flows closed.flows: the OpenFlow tables are replaced (conntrack and MAC learning kept)\n#3 @1.100');
  });

  it('MAC learning survives: after the change NORMAL still knows where a learned MAC is', () => {
    const normal = (cookie: string) => `cookie=${cookie},priority=0,actions=NORMAL\n`;
    const eth = (port: number, src: string, dst: string) => `udp,in_port=${port},dl_src=${src},dl_dst=${dst},nw_src=10.0.0.${port},nw_dst=10.0.0.9,tp_src=1,tp_dst=2 len=8`;
    const dir = folder({
      'a.flows': normal('0x1'), 'b.flows': normal('0x2'),
      // p1 speaks first (flooded), then p2 answers p1 (p1 learned), then after the change again.
      'c.conv': `@0 ${eth(1, '02:00:00:00:00:01', '02:00:00:00:00:02')}\n@1 ${eth(2, '02:00:00:00:00:02', '02:00:00:00:00:01')}\n@2 flows b.flows\n@3 ${eth(2, '02:00:00:00:00:02', '02:00:00:00:00:01')}\n`,
    });
    const r = capture(() => runConversation(join(dir, 'a.flows'), join(dir, 'c.conv'), { ...KERNEL, ports: 'p1=1,p2=2,p3=3' }));
    expect(r.err).toBe('');
    // (A flood includes LOCAL, 65534.) Without the learned MAC the last one would flood too.
    expect(verdicts(r.out)).toEqual(['output p2(2), p3(3), 65534', 'output p1(1)', 'output p1(1)']);
  });

  it('a missing flow file is an error at the line naming it, nothing run (exit 2)', () => {
    const dir = folder({ 'open.flows': OPEN, 'c.conv': `@0 ${Q}\n@1   flows gone.flows\n@2 ${A}\n` });
    const r = capture(() => runConversation(join(dir, 'open.flows'), join(dir, 'c.conv'), KERNEL));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`${join(dir, 'c.conv')}:2:12: no such file: ${join(dir, 'gone.flows')}\n  @1   flows gone.flows\n             ^^^^^^^^^^\n`);
  });

  it("a bad flow file gives that file's own file:line:col errors", () => {
    const dir = folder({ 'open.flows': OPEN, 'bad.flows': 'table=0,ip,actions=dorp\n', 'c.conv': `@0 ${Q}\n@1 flows bad.flows\n@2 ${A}\n` });
    const r = capture(() => runConversation(join(dir, 'open.flows'), join(dir, 'c.conv'), KERNEL));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^${join(dir, 'bad.flows').replace(/[.]/g, '\\.')}:1:20: .*dorp`));
  });

  it('refuses a change after learn() installed flows, naming the line (what OVS keeps of them is not emulated)', () => {
    const learn = 'table=0,udp,actions=learn(table=1,priority=5,eth_type=0x800,nw_proto=17,NXM_OF_UDP_DST[]),output:2\n';
    const dir = folder({ 'l.flows': learn, 'c.conv': `@0 ${Q}\n@1 flows l.flows\n@2 ${Q}\n` });
    const r = capture(() => runConversation(join(dir, 'l.flows'), join(dir, 'c.conv'), KERNEL));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${join(dir, 'c.conv')}:2:10: table change after learn() installed 1 flow: which learned flows OVS keeps across a flow table change is not emulated\n  @1 flows l.flows\n           ^^^^^^^\n`);
  });

  it('refuses an OpenFlow 1.5 dump after tables that are not one (a run prints actions one way)', () => {
    const of15 = `OFPST_FLOW reply (OF1.5) (xid=0x2):\n${OPEN.split('\n').filter(Boolean).map((l) => ' ' + l).join('\n')}\n`;
    const dir = folder({ 'open.flows': OPEN, 'o15.flows': of15, 'c.conv': `@0 ${Q}\n@1 flows o15.flows\n@2 ${A}\n` });
    const r = capture(() => runConversation(join(dir, 'open.flows'), join(dir, 'c.conv'), KERNEL));
    expect(r.err).toBe(`${join(dir, 'c.conv')}:2:10: an OpenFlow 1.5 dump after tables that are not: a run prints actions one way (use dumps of one kind)\n  @1 flows o15.flows\n           ^^^^^^^^^\n`);
    expect(r.code).toBe(2);
  });
});
