// The OpenFlow 1.0 field actions: mod_dl_src/dst, mod_nw_src/dst, mod_nw_tos, mod_nw_ecn,
// mod_nw_ttl, mod_tp_src/dst. Each is a whole-field write, so it shares set_field's IR and
// printing (see set_field.ts): mod_nw_ttl and mod_nw_ecn have no OpenFlow 1.0 wire form and
// come back from the switch as `load:`. Adding a flow, OVS checks no prerequisites for these
// spellings (except that load); running, each writes only a packet that has its header, by
// OVS's own rule (`hasHeader`), and skips the others without a word (recorded:
// test/oracle/trace-mod-mpls/).
import type { Item } from '../../../grammar/syntax.js';
import { ones } from '../bits.js';
import { fail } from '../errors.js';
import { mustField } from '../fields.js';
import { valueText } from '../match.js';
import { parseIpv4, parseMac, parseNumber } from '../values.js';
import { arrivesAsLoad, checkSetField, formatSetField, set_field, writeHeldBytes, type SetFieldArgs } from './set_field.js';
import type { ActionSpec } from './types.js';
import { ipProto } from './vlan-state.js';
import { ACTION_SET_RANK, wholeField } from './facets.js';
import type { ExecCtx } from '../../pipeline/exec.js';
import { prereqMet, writesBelowL3 } from './field-prereq.js';

// What OVS 3.1's translation asks of the packet before an OpenFlow 1.0 field action writes:
// the IPv4 addresses an IPv4 packet (any fragment); TOS, ECN and TTL an IPv4 or IPv6 one;
// the L4 ports an IPv4 or IPv6 packet that is not a later fragment, whatever its protocol
// (on ICMP they land in type and code, on GRE in a port the packet has not); MACs nothing.
const ETH_TYPE = mustField('eth_type'), IP_FRAG = mustField('ip_frag');
const ipv4 = (x: ExecCtx) => x.readField(ETH_TYPE) === 0x0800n;
const ipAny = (x: ExecCtx) => ipv4(x) || x.readField(ETH_TYPE) === 0x86ddn;
const FRAG_LATER = 2n;
const hasPorts = (x: ExecCtx) => ipAny(x) && !(x.readField(IP_FRAG) & FRAG_LATER);
const HAS_HEADER = new Map<string, (x: ExecCtx) => boolean>([
  ['ip_src', ipv4], ['ip_dst', ipv4], ['nw_tos', ipAny], ['nw_ecn', ipAny], ['nw_ttl', ipAny],
]);
const hasHeader = (field: string) => HAS_HEADER.get(field) ?? (() => true);

/** The text after `name:` (OVS also takes `name=` in action lists). */
export function argText(item: Item): { text: string; span: Item['span'] } {
  const v = item.colon ?? item.eq;
  if (!v || item.args) fail(`${item.key.text}: expected ${item.key.text}:VALUE`, item.span);
  return { text: valueText(v), span: v.span };
}

/** A whole-field write spelled as an OpenFlow 1.0 action. */
export function legacyWrite(name: string, field: string, read: (text: string) => bigint | string): ActionSpec<SetFieldArgs> {
  const f = mustField(field);
  const applies = hasHeader(f.name);
  return {
    name,
    heldBytes: writeHeldBytes,
    runsUnparsed: writesBelowL3,
    parse(item, ctx) {
      const { text, span } = argText(item);
      const v = read(text);
      if (typeof v === 'string') fail(v, span);
      // OpenFlow 1.0 has no action for nw_ttl and nw_ecn: ovs-ofctl sends those as a load.
      const load = !ctx.dump && (ctx.ofVersion ?? 10) < 11 && arrivesAsLoad(f, ones(f.bits), false, ctx);
      // Added over OpenFlow 1.2+, the switch holds it as a set_field (no 1.0 action on the wire).
      return !ctx.dump && (ctx.ofVersion ?? 10) >= 12
        ? { field: f, value: v, mask: ones(f.bits), load, legacy: true, setField: true }
        : { field: f, value: v, mask: ones(f.bits), load, legacy: true };
    },
    // A load (mod_nw_ttl, mod_nw_ecn over OpenFlow 1.0) is checked by the switch as a load:
    // on a flow without the field's prerequisites it is refused (OFPBAC_MATCH_INCONSISTENT).
    check: (a, ctx) => checkSetField(a.load && !prereqMet(ctx.match, f.prereq) ? { ...a, legacy: false } : a, ctx),
    format: formatSetField,
    writes: set_field.writes,
    actionSetRank: set_field.actionSetRank,
    // Held as a set_field (added over 1.2+), the write checks the field's prerequisites itself.
    execute: (a, x) => { if (a.setField || applies(x)) x.setField(a); },
  };
}

/** An unsigned number of at most `max`, or the error OVS gives for it. */
export const uint = (max: number, err: (t: string) => string) => (t: string): bigint | string => {
  const n = parseNumber(t);
  return n === null || n > BigInt(max) ? err(t) : n;
};

const mac = (t: string) => { try { return parseMac(t); } catch { return `invalid mac address ${t}`; } };
const ip = (t: string) => { try { return parseIpv4(t); } catch { return `${t}: could not convert to IP address`; } };
const u8 = (what: string) => uint(255, (t) => `invalid ${what} "${t}"`);

export const mod_dl_src = legacyWrite('mod_dl_src', 'eth_src', mac);
export const mod_dl_dst = legacyWrite('mod_dl_dst', 'eth_dst', mac);
export const mod_nw_src = legacyWrite('mod_nw_src', 'ip_src', ip);
export const mod_nw_dst = legacyWrite('mod_nw_dst', 'ip_dst', ip);
export const mod_nw_tos = legacyWrite('mod_nw_tos', 'nw_tos', (t) => {
  const n = u8('TOS')(t);
  return typeof n === 'bigint' && n & 3n ? `${t}: not a valid TOS` : n;
});
export const mod_nw_ecn = legacyWrite('mod_nw_ecn', 'nw_ecn', (t) => {
  const n = u8('ECN')(t);
  return typeof n === 'bigint' && n > 3n ? `${t}: not a valid ECN` : n;
});
export const mod_nw_ttl = { ...legacyWrite('mod_nw_ttl', 'nw_ttl', u8('TTL')), aliases: ['set_nw_ttl'] };

// mod_tp_src/dst write the port of whichever L4 protocol the flow matches; OVS remembers
// that protocol while checking so an OpenFlow 1.2+ dump can print tcp_dst, udp_dst, ...
export interface L4PortArgs { port: number; dst: boolean; proto?: number | null }
const L4 = new Map<number, string>([[6, 'tcp'], [17, 'udp'], [132, 'sctp']]);

function l4(name: string, dst: boolean): ActionSpec<L4PortArgs> {
  return {
    name,
    parse(item) {
      const { text, span } = argText(item);
      const n = parseNumber(text);
      if (n === null || n > 0xffffn) fail(`invalid ${dst ? 'destination' : 'source'} port "${text}"`, span);
      return { port: Number(n), dst };
    },
    check(a, ctx) {
      a.proto = ipProto(ctx.match);
      if (!L4.has(a.proto ?? -1)) ctx.inconsistent(`${name} on a flow that does not match tcp, udp or sctp`);
    },
    execute: (a, x) => { if (hasPorts(x)) x.write(mustField(a.dst ? 'tcp_dst' : 'tcp_src'), BigInt(a.port), 0xffffn); },
    actionSetRank: ACTION_SET_RANK.write,
    writes: (a) => [wholeField(mustField(`${L4.get(a.proto ?? -1) ?? 'tcp'}_${a.dst ? 'dst' : 'src'}`))],
    format(a, ctx) {
      const proto = L4.get(a.proto ?? -1);
      if (ctx.ofVersion >= 12 && proto) return `set_field:${a.port}->${proto}_${a.dst ? 'dst' : 'src'}`;
      return `${name}:${a.port}`;
    },
  };
}
export const mod_tp_src = l4('mod_tp_src', false);
export const mod_tp_dst = l4('mod_tp_dst', true);
