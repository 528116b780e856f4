// Which binding the kernel profile chooses, against real nf_nat (kernel 6.18,
// test/oracle/kernel-nat, recorded by test/tools/record-kernel-nat.py): each packet is
// looked up and committed in zone 1 with the case's NAT rule, and the table, the events,
// whether the packet got through and the addresses/ports (and quoted packet of an ICMP
// error) of what came out must be the kernel's. Where the kernel draws a random port,
// each case recorded twice shows it moving: a DNAT clash moves the client's source port
// (masked, only required to be a new one in its class, 1024-65535); an SNAT port range
// entered from outside starts at a random port (nat-snat-same-source: the ports are
// renamed P1, P2… in order of first use on each side and must lie in the range, so what
// is compared is which connections share a port).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIp, newConntrack, parseIp, type CtPacket, type CtResult, type NatSpec } from '../../src/conntrack/index.js';
import { compareLines, natStep, ORACLE } from './oracle-replay.js';

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

const field = (line: string, k: string) => new RegExp(`(?:^|,)${k}=([^,\\s]+)`).exec(line)?.[1];

/** The addresses/ports of a frame and its quoted packet; a source port a DNAT moved is masked. */
function frameText(line: string, dnat: boolean, sentPort: string | undefined): string {
  const sport = field(line, 'tp_src');
  const ports = sport === undefined ? '' : `,tp_src=${dnat && sport !== sentPort ? 'MOVED' : sport},tp_dst=${field(line, 'tp_dst')}`;
  return `nw_src=${field(line, 'nw_src')},nw_dst=${field(line, 'nw_dst')}${ports} ${/inner=\[[^\]]*\]/.exec(line)?.[0] ?? ''}`.trim();
}

/** What ctflow lets out: the packet as NAT left it, in the recordings' flow syntax. */
function ctflowFrame(pkt: CtPacket, n: CtResult['natted']): string {
  const o = n ?? pkt;
  let line = `nw_src=${formatIp('ipv4', o.src)},nw_dst=${formatIp('ipv4', o.dst)}`;
  if (o.sport !== undefined) line += `,tp_src=${o.sport},tp_dst=${o.dport}`;
  const q = n?.inner ?? pkt.icmp?.inner;
  if (q) line += `  inner=[proto=${q.proto},nw_src=${formatIp('ipv4', q.src)},nw_dst=${formatIp('ipv4', q.dst)},tp_src=${q.sport},tp_dst=${q.dport}]`;
  return line;
}

/** SNAT ports chosen at random, renamed in order of first use (and checked to be in the range). */
class PortNames {
  private readonly names = new Map<string, string>();
  constructor(private readonly spec: NatSpec, private readonly out: string[]) {}
  rename(lines: string[]): string[] {
    const to = formatIp('ipv4', this.spec.addrMin!);
    const name = (port: string) => {
      if (Number(port) < this.spec.portMin! || Number(port) > this.spec.portMax!) this.out.push(`port ${port} outside the range`);
      if (!this.names.has(port)) this.names.set(port, `P${this.names.size + 1}`);
      return this.names.get(port)!;
    };
    return lines.map((l) => l
      .replace(new RegExp(`(dst=${to} sport=\\d+ dport=)(\\d+)`, 'g'), (_, h: string, p: string) => h + name(p))
      .replace(new RegExp(`(nw_src=${to},nw_dst=[^,]+(?:,nw_ttl=\\d+)?,tp_src=)(\\d+)`), (_, h: string, p: string) => h + name(p)));
  }
}

const RANDOM_SNAT = new Set(['nat-snat-same-source']);

function replay(name: string, file: string): string[] {
  const c = JSON.parse(readFileSync(join(DIR, name, file), 'utf8'));
  const spec = specOf(c.nat_rule);
  const ct = newConntrack({ profile: 'kernel' });
  const out: string[] = [];
  const random = RANDOM_SNAT.has(name);
  const [ours, theirs] = [new PortNames(spec, out), new PortNames(spec, out)];
  const mine = (l: string[]) => (random ? ours.rename(l) : l), kernels = (l: string[]) => (random ? theirs.rename(l) : l);
  for (const s of c.steps) {
    const { pkt, r1, r2, now } = natStep(ct, s, spec);
    const where = `${name} step ${s.step}`;
    // No free binding: the kernel drops the packet (ctflow: +inv, nothing committed).
    const passed = (r2.ctState & 0x10) === 0;
    if (passed !== s.delivered) out.push(`${where}: ${passed ? 'passed' : 'dropped'}, kernel ${s.delivered ? 'delivered it' : 'dropped it'}`);
    // Events first: they name a connection's port before the table does.
    compareLines(`${where} events`, maskMoved(mine([...r1.events, ...r2.events]), out), maskMoved(kernels(s.events), out), out);
    if (passed && s.delivered) {
      const dnat = spec.kind === 'dst', sent = field(s.flow, 'tp_src');
      const got = frameText(mine([ctflowFrame(pkt, r2.natted ?? r1.natted)])[0], dnat, sent);
      const want = frameText(kernels([s.received[0]])[0], dnat, sent);
      if (got !== want) out.push(`${where}: frame ${got}, kernel ${want}`);
    }
    const at = now + Math.round(s.dump_after_s * 1000);
    compareLines(`${where} conntrack -L`, maskMoved(mine(ct.dump(at)), out), maskMoved(kernels(s.conntrack_L), out), out);
  }
  return out;
}

describe('kernel profile NAT bindings against nf_nat (kernel 6.18)', () => {
  const recordings = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(DIR, d.name)).filter((f) => f.startsWith('result')).map((f) => [d.name, f] as const));
  it('has the five cases (two recorded twice)', () => expect(recordings.length).toBe(7));
  it.each(recordings)('%s (%s)', (name, file) => expect(replay(name, file)).toEqual([]));
});
