// Which binding the kernel profile chooses, against real nf_nat (kernel 6.18,
// test/oracle/kernel-nat, recorded by test/tools/record-kernel-nat.py): each packet is
// looked up and committed in zone 1 with the case's NAT rule, and the table, the events
// and whether the packet got through must be the kernel's. Where the kernel draws a
// random port (a DNAT clash moving the client's source port), the moved port is only
// required to be a new one in the same class (1024-65535); the two recordings of that
// case moved it to different ports.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack, newCtPacketCache, parseIp, type NatSpec } from '../../src/conntrack/index.js';
import { compareLines, ORACLE } from './oracle-replay.js';
import { parsePacketLine } from './packet-line.js';

const DIR = join(ORACLE, 'kernel-nat');
const addr = (s: string) => parseIp(s)!.value;

/** The nftables rule as ct(nat(...)) arguments. */
function specOf(rule: string): NatSpec {
  const m = /\b(snat|dnat) to ([\d.]+)(?::(\d+)-(\d+))?;/.exec(rule)!;
  const spec: NatSpec = { kind: m[1] === 'snat' ? 'src' : 'dst', addrMin: addr(m[2]) };
  if (m[3]) { spec.portMin = Number(m[3]); spec.portMax = Number(m[4]); }
  return spec;
}

/** A client port the kernel moved at random, masked (and checked to be in its class). */
function maskMoved(lines: string[], out: string[]): string[] {
  return lines.map((l) => l.replace(/(sport=53) dport=(\d+)/, (all, head: string, port: string) => {
    if (port === '40000') return all;
    if (Number(port) < 1024 || Number(port) > 65535) out.push(`moved port ${port} outside 1024-65535`);
    return `${head} dport=MOVED`;
  }));
}

function replay(name: string, file: string): string[] {
  const c = JSON.parse(readFileSync(join(DIR, name, file), 'utf8'));
  const spec = specOf(c.nat_rule);
  const ct = newConntrack({ profile: 'kernel' });
  const out: string[] = [];
  for (const s of c.steps) {
    const now = Math.round(s.t * 1000);
    const pkt = parsePacketLine(s.flow);
    const cache = newCtPacketCache();
    const r1 = ct.execute(pkt, { zone: 1, commit: false, force: false }, now, cache);
    const r2 = ct.execute(pkt, { zone: 1, commit: true, force: false, nat: spec }, now, cache);
    const where = `${name} step ${s.step}`;
    // No free binding: the kernel drops the packet (ctflow: +inv, nothing committed).
    const passed = (r2.ctState & 0x10) === 0;
    if (passed !== s.delivered) out.push(`${where}: ${passed ? 'passed' : 'dropped'}, kernel ${s.delivered ? 'delivered it' : 'dropped it'}`);
    const at = now + Math.round(s.dump_after_s * 1000);
    compareLines(`${where} conntrack -L`, maskMoved(ct.dump(at), out), maskMoved(s.conntrack_L, out), out);
    compareLines(`${where} events`, maskMoved([...r1.events, ...r2.events], out), maskMoved(s.events, out), out);
  }
  return out;
}

describe('kernel profile NAT bindings against nf_nat (kernel 6.18)', () => {
  const recordings = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(DIR, d.name)).filter((f) => f.startsWith('result')).map((f) => [d.name, f] as const));
  it('has the three cases (one recorded twice)', () => expect(recordings.length).toBe(4));
  it.each(recordings)('%s (%s)', (name, file) => expect(replay(name, file)).toEqual([]));
});
