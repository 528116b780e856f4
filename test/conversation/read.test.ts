// The conversation reader: recorded packet lines parse, times add up, bad lines give
// file:line:col diagnostics pointing at the offending text.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConversation } from '../../src/conversation/read.js';
import { formatDiagnostic } from '../../src/parse/diagnostic.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('readConversation', () => {
  it('reads every recorded OVN conversation without diagnostics, at the recorded times', () => {
    const dir = join(ROOT, 'flows', 'conversations');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.conv'))) {
      const c = readConversation(readFileSync(join(dir, f), 'utf8'), f);
      const rec = JSON.parse(readFileSync(join(dir, f.replace(/\.conv$/, '.json')), 'utf8'));
      expect(c.diagnostics).toEqual([]);
      expect(c.packets.map((p) => p.timeMs)).toEqual(rec.steps.map((s: any) => Math.round(s.t * 1000)));
    }
  });

  it('reads every kernel oracle packets.txt line', () => {
    const dir = join(ROOT, 'test', 'oracle', 'kernel', 'cases');
    let n = 0;
    for (const name of readdirSync(dir)) {
      const c = readConversation(readFileSync(join(dir, name, 'packets.txt'), 'utf8'), name);
      expect(c.diagnostics).toEqual([]);
      n += c.packets.length;
    }
    expect(n).toBeGreaterThan(100);
  });

  it('splits headers from packet-only fields per protocol', () => {
    const c = readConversation(
      [
        '@1.5 tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2,tcp_flags=syn  seq=1000 ack=0 win=64240 len=0 wscale=7 mss=1460 sackperm',
        '+0.25 udp,in_port=vm2,nw_src=10.0.0.2,nw_dst=10.0.0.1 len=108',
        'icmp,nw_src=10.0.0.2,nw_dst=10.0.0.1,icmp_type=3,icmp_code=3  inner=[proto=17,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=5,tp_dst=6]',
        'icmp,nw_src=10.0.0.2,nw_dst=10.0.0.1,icmp_type=8  id=4660 seq=2',
      ].join('\n'),
      't.conv',
      { ports: new Map([['vm2', 2]]) },
    );
    expect(c.diagnostics).toEqual([]);
    const [a, b, e, echo] = c.packets;
    expect(a.timeMs).toBe(1500);
    expect(a.packet.extra).toEqual({ seq: 1000, ack: 0, win: 64240, len: 0, wscale: 7, mss: 1460, sackPerm: true });
    expect(a.packet.slots.get('tcp_flags')).toBe(2n);
    expect(b.timeMs).toBe(1750);
    expect(b.packet.slots.get('in_port')).toBe(2n);
    expect(b.packet.extra).toEqual({ len: 108 });
    expect(b.packet.frameLen).toBe(14 + 20 + 108);
    expect(e.timeMs).toBe(1750);
    expect(e.packet.extra.inner).toEqual({ proto: 17, src: 0x0a000001n, dst: 0x0a000002n, sport: 5, dport: 6 });
    expect(echo.packet.extra).toMatchObject({ icmpId: 4660, icmpSeq: 2 });
    expect(a.line).toBe(1);
    expect(echo.line).toBe(4);
  });

  it('skips comments and blank lines, keeps line numbers', () => {
    const c = readConversation('# a comment\n\n@0 udp,nw_src=1.1.1.1 len=8 # trailing\n', 'c.conv');
    expect(c.diagnostics).toEqual([]);
    expect(c.packets.map((p) => p.line)).toEqual([3]);
  });

  const bad: Array<[string, string, string]> = [
    // [line, expected location, expected message]
    ['@0 tcp,nw_src=1.2.3.4,tcp_flags=syn  seq=1 ack=x win=3 len=0', 'e.conv:1:48', "ack=: expected a decimal number, got 'x'"],
    ['+0.1 udp,in_port=1  len=8 wscale=3', 'e.conv:1:27', 'wscale= applies to tcp packets, this one is udp'],
    ['@x tcp', 'e.conv:1:1', "expected a time in seconds after '@' (like @0.5), got 'x'"],
    ['@0.5 tcp,in_port=1,nw_srx=1.2.3.4 seq=1', 'e.conv:1:20', "unknown field nw_srx (did you mean 'nw_src'?)"],
    ['icmp,icmp_type=3  inner=[proto=17,nw_src=1.2.3,nw_dst=1.1.1.1]', 'e.conv:1:42', "nw_src=: '1.2.3' is not an IPv4 address"],
    ['icmp,icmp_type=3  inner=[proto=17,nw_dst=1.1.1.1]', 'e.conv:1:25', 'inner=: nw_src= is missing'],
    ['tcp  sq=4', 'e.conv:1:6', "unknown packet field 'sq' (did you mean 'seq'?)"],
    ['udp,in_port=vm9 len=8', 'e.conv:1:13', 'vm9: invalid or unknown port'],
    ['udp len=4', 'e.conv:1:9', 'len=4: a UDP length counts its 8-byte header'],
    ['tcp seq=1 seq=2', 'e.conv:1:11', 'seq= given twice'],
    ['tcp,nw_src=10.0.0.0/8', 'e.conv:1:12', 'a packet field cannot be masked: nw_src'],
    ['tcp actions=drop', 'e.conv:1:5', 'a packet has no actions'],
    ['@5 udp\n@4 udp', 'e.conv:2:1', 'time @4 is before the previous packet (5.000 s)'],
    ['@1 udp\n@2 flows d.flows\n@1.5 udp', 'e.conv:3:1', 'time @1.5 is before the previous packet (2.000 s)'],
    ['@1 udp\n@2 flows', 'e.conv:2:9', "'flows' needs a flow file (a path relative to this file)"],
    ['@1 udp\n@2 flows d.flows', 'e.conv:2:10', 'no packet after this table change: it would change nothing'],
    ['flows d.flows\n@1 udp', 'e.conv:1:1', "'flows' without a time: the first tables are the FLOWS argument; to change them later write @SECONDS flows PATH"],
  ];
  it.each(bad)('%s → %s', (line, where, message) => {
    const c = readConversation(line, 'e.conv');
    expect(c.diagnostics).toHaveLength(1);
    const d = c.diagnostics[0];
    expect(`${d.file}:${d.line}:${d.col}`).toBe(where);
    expect(d.message).toBe(message);
  });

  it('gives each table change to the packet after it, in order, with its time and place', () => {
    const c = readConversation('@0 udp len=8\n@0.5 flows a.flows\n+0.5 flows ../b.flows # why\n+0.1 udp len=8\n@2 udp len=8\n', 't.conv');
    expect(c.diagnostics).toEqual([]);
    expect(c.packets.map((p) => [p.timeMs, (p.flowsBefore ?? []).map((f) => [f.text, f.timeMs, f.line, f.start])]))
      .toEqual([[0, []], [1100, [['a.flows', 500, 2, 11], ['../b.flows', 1000, 3, 11]]], [2000, []]]);
  });

  it('collects every bad line and keeps the good ones', () => {
    const c = readConversation('udp len=x\n@1 udp len=8\ntcp seq=\n', 'm.conv');
    expect(c.packets.map((p) => p.line)).toEqual([2]);
    expect(c.diagnostics.map((d) => d.line)).toEqual([1, 3]);
    expect(formatDiagnostic(c.diagnostics[0])).toBe("m.conv:1:9: len=: expected a decimal number, got 'x'\n  udp len=x\n          ^");
  });
});
