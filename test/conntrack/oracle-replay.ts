// Replays a recorded oracle case through the tracker and lists every disagreement
// (shared by the kernel and userspace oracle tests).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCtState, newConntrack, newCtPacketCache, type Conntrack, type CtPacket, type CtResult, type NatSpec } from '../../src/conntrack/index.js';
import { parsePacketLine } from './packet-line.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ORACLE = join(here, '..', 'oracle');

export const caseNames = (profileDir: string): string[] =>
  readdirSync(join(ORACLE, profileDir, 'cases')).sort();

export const readCase = (profileDir: string, name: string): any =>
  JSON.parse(readFileSync(join(ORACLE, profileDir, 'cases', name, 'result.json'), 'utf8'));

const flagSet = (s: string): string => s.split('+').filter(Boolean).sort().join('+');

/** Splits off the timeout number (3rd field of -L / event lines, `timeout=` of dumps). */
function splitTimeout(line: string): { masked: string; timeout?: number } {
  const m = /^(\[\w+\] \S+ \d+ |\S+\s+\d+ )(\d+)(.*)$/.exec(line) ?? /^(.*,timeout=)(\d+)(.*)$/.exec(line);
  if (!m) return { masked: line };
  return { masked: `${m[1]}T${m[3]}`, timeout: Number(m[2]) };
}

/** Lines must match except for timeouts, which may differ by one second. */
export function compareLines(what: string, got: string[], want: string[], out: string[]): void {
  const g = got.map(splitTimeout);
  const w = want.map(splitTimeout);
  const unmatched = [...g];
  for (const x of w) {
    const i = unmatched.findIndex(
      (y) => y.masked === x.masked && (x.timeout === undefined || Math.abs((y.timeout ?? -99) - x.timeout) <= 1),
    );
    if (i < 0) out.push(`${what}: missing ${JSON.stringify(x.masked)} (timeout ${x.timeout}); got ${JSON.stringify(got)}`);
    else unmatched.splice(i, 1);
  }
  for (const y of unmatched) out.push(`${what}: unexpected ${JSON.stringify(y.masked)} (timeout ${y.timeout})`);
}

/** A kernel tracker with a recorded case's sysctls. */
export const kernelFor = (c: any): Conntrack =>
  newConntrack({ profile: 'kernel', sysctls: new Map(Object.entries(c.sysctls ?? {}) as [string, number][]) });

/**
 * One recorded kernel step: the packet tracked and committed in zone 1 (as the recorded
 * setup does), its ct_state and the `conntrack -L` after it compared; returns its events.
 */
export function kernelStep(ct: Conntrack, name: string, s: any, out: string[]): string[] {
  const now = Math.round(s.t * 1000);
  const pkt = parsePacketLine(s.flow);
  const cache = newCtPacketCache();
  const r1 = ct.execute(pkt, { zone: 1, commit: false, force: false }, now, cache);
  const r2 = ct.execute(pkt, { zone: 1, commit: true, force: false }, now, cache);
  const where = `${name} step ${s.step}`;
  const want = /:\s*(\S+)/.exec(s.ct_state)![1]!;
  if (flagSet(formatCtState(r2.ctState)) !== flagSet(want)) {
    out.push(`${where}: ct_state ${formatCtState(r2.ctState)}, recorded ${want}`);
  }
  compareLines(`${where} conntrack -L`, ct.dump(now + Math.round(s.dump_after_s * 1000)), s.conntrack_L, out);
  return [...r1.events, ...r2.events];
}

export function replayKernel(name: string, dir = 'kernel'): string[] {
  const c = readCase(dir, name);
  const ct = kernelFor(c);
  const out: string[] = [];
  for (const s of c.steps) compareLines(`${name} step ${s.step} events`, kernelStep(ct, name, s, out), s.events, out);
  return out;
}

/** Kernel sysctls of a userspace recording, as far as OVS had an equivalent (the recorder set only those). */
function userspaceKnobs(c: any): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(c.kernel_sysctls ?? {})) {
    if (k !== 'nf_conntrack_tcp_loose') m.set(k, v as number);
  }
  return m;
}

export function replayUserspace(name: string, dir = 'ovs-userspace'): string[] {
  const c = readCase(dir, name);
  const ct = newConntrack({ profile: 'userspace', sysctls: userspaceKnobs(c) });
  const out: string[] = [];
  for (const s of c.steps) {
    const now = Math.round(s.t * 1000);
    const pkt = parsePacketLine(s.flow);
    const cache = newCtPacketCache();
    // Table 0: ct(zone=1,table=1); table 1 commits every ct_state but +inv.
    let r = ct.execute(pkt, { zone: 1, commit: false, force: false }, now, cache);
    if (!(r.ctState & 0x10)) r = ct.execute(pkt, { zone: 1, commit: true, force: false }, now, cache);
    const where = `${name} step ${s.step}`;
    if (flagSet(formatCtState(r.ctState)) !== flagSet(s.ct_state)) {
      out.push(`${where}: ct_state ${formatCtState(r.ctState)}, recorded ${s.ct_state}`);
    }
    const at = now + Math.round(s.dump_after_s * 1000);
    compareLines(`${where} dump`, ct.dump(at, { zone: 1 }), s.dump_conntrack, out);
    compareLines(`${where} dump -m -s`, ct.dump(at, { zone: 1, more: true, stats: true }), s.dump_conntrack_ms, out);
    compareLines(`${where} dump -s`, ct.dump(at, { zone: 1, stats: true }), s.dump_conntrack_s, out);
    compareLines(`${where} dump -m`, ct.dump(at, { zone: 1, more: true }), s.dump_conntrack_m, out);
  }
  return out;
}

/** The NAT recordings' step: a ct(zone=1) lookup, then ct(commit,zone=1,nat(SPEC)), at the step's time. */
export function natStep(ct: Conntrack, s: any, spec: NatSpec): { pkt: CtPacket; r1: CtResult; r2: CtResult; now: number } {
  const now = Math.round(s.t * 1000);
  const pkt = parsePacketLine(s.flow);
  const cache = newCtPacketCache();
  const r1 = ct.execute(pkt, { zone: 1, commit: false, force: false }, now, cache);
  const r2 = ct.execute(pkt, { zone: 1, commit: true, force: false, nat: spec }, now, cache);
  return { pkt, r1, r2, now };
}
