// What `ctflow run` prints for a replayed conversation: per packet one verdict line
// (time, packet, ct_state after each ct(), where it went), the conntrack table after it
// and the events it caused; or the same as one JSON document. Pure: text in, text out.
import { formatIpv4, formatIpv6 } from '../model/values.js';
import { ETH_IP, ETH_IPV6, type Packet } from '../packet/packet.js';
import { formatPacketFlow } from '../packet/format.js';
import { ctStateText } from '../pipeline/run.js';
import type { PassResult } from '../pipeline/run-types.js';
import { traceToJson } from '../trace/json.js';
import { formatTraceText } from '../trace/text.js';
import type { PacketVerdict } from './replay.js';
import { tcpRewriteText } from './frames.js';

export interface RenderOpts {
  /** OpenFlow port → name, for in_port and outputs. */
  portNames?: Map<number, string>;
  /** Include the per-table trace of every pass. */
  trace?: boolean;
  bridge?: string;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** TCP flags as tcpdump shows them: [S], [S.], [P.], [F.], [R]. */
function tcpFlags(bits: number): string {
  const letters: Array<[number, string]> = [[0x1, 'F'], [0x2, 'S'], [0x4, 'R'], [0x8, 'P'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W']];
  const s = letters.filter(([b]) => bits & b).map(([, l]) => l).join('');
  return `[${s}${bits & 0x10 ? '.' : ''}${s || bits & 0x10 ? '' : 'none'}]`;
}

const ICMP_NAMES = new Map<number, string>([[0, 'echo reply'], [3, 'unreachable'], [8, 'echo request'], [11, 'time exceeded']]);
const ICMP6_NAMES = new Map<number, string>([[1, 'unreachable'], [2, 'packet too big'], [128, 'echo request'], [129, 'echo reply']]);

export function portName(port: number, names?: Map<number, string>): string {
  const n = names?.get(port);
  return n ? `${n}(${port})` : String(port);
}

/** `10.0.0.11:40000 > 10.0.0.12:80` (ports for TCP, UDP and SCTP), or null if not IP. */
export function endpoints(p: Packet): string | null {
  const g = (k: string) => p.slots.get(k) ?? 0n;
  const type = g('dl_type');
  if (type !== ETH_IP && type !== ETH_IPV6) return null;
  const v6 = type === ETH_IPV6;
  const src = v6 ? formatIpv6(g('ipv6_src')) : formatIpv4(g('nw_src'));
  const dst = v6 ? formatIpv6(g('ipv6_dst')) : formatIpv4(g('nw_dst'));
  if (![6, 17, 132].includes(Number(g('nw_proto')))) return `${src} > ${dst}`;
  const hp = (a: string, port: bigint) => (v6 ? `[${a}]:${port}` : `${a}:${port}`);
  return `${hp(src, g('tp_src'))} > ${hp(dst, g('tp_dst'))}`;
}

/** `tcp 10.0.0.11:40000 > 10.0.0.12:80 [S] seq=1000 ack=0 win=64240 len=0` */
export function packetSummary(p: Packet): string {
  const g = (k: string) => p.slots.get(k) ?? 0n;
  const ends = endpoints(p);
  if (ends === null) return `eth_type=0x${g('dl_type').toString(16).padStart(4, '0')}`;
  const v6 = g('dl_type') === ETH_IPV6;
  const proto = Number(g('nw_proto'));
  const x = p.extra;
  const opt = (k: string, v: number | undefined) => (v === undefined ? '' : ` ${k}=${v}`);
  if (proto === 6) {
    return `tcp ${ends} ${tcpFlags(Number(g('tcp_flags')))}`
      + `${opt('seq', x.seq)}${opt('ack', x.ack)}${opt('win', x.win)}${opt('len', x.len)}${opt('wscale', x.wscale)}${opt('mss', x.mss)}`;
  }
  if (proto === 17) return `udp ${ends}${opt('len', x.len)}`;
  if (proto === 1 || proto === 58) {
    const t = Number(g('tp_src')), c = Number(g('tp_dst'));
    const name = (proto === 1 ? ICMP_NAMES : ICMP6_NAMES).get(t) ?? `type ${t}`;
    let s = `${proto === 1 ? 'icmp' : 'icmp6'} ${ends} ${name}${c ? ` code ${c}` : ''}${opt('id', x.icmpId)}${opt('seq', x.icmpSeq)}`;
    if (x.inner) {
      const i = x.inner;
      const a = (v: bigint) => (v6 ? formatIpv6(v) : formatIpv4(v));
      s += ` (about proto ${i.proto} ${a(i.src)}:${i.sport} > ${a(i.dst)}:${i.dport})`;
    }
    return s;
  }
  if (proto === 132) return `sctp ${ends}`;
  return `ip ${ends} proto ${proto}`;
}

/** Where the packet went: `vm2(2)`, `drop`, `drop (packet-in to the controller)`. */
export function destination(v: PacketVerdict, names?: Map<number, string>): string {
  const r = v.result;
  if (r.outputs.length) {
    // A frame the datapath translated (ct(nat), mod_nw_*) shows the addresses it left with.
    const received = endpoints(v.packet.packet);
    return 'output ' + r.outputs.map((o, i) => {
      const sent = r.sent[i] ? endpoints(r.sent[i]) + tcpRewriteText(v.packet.packet, r.sent[i]) : null;
      return portName(o, names) + (sent !== null && sent !== received ? ` as ${sent}` : '');
    }).join(', ');
  }
  const toController = r.datapathActions.some((a) => a.includes('controller('));
  if (r.failure) return `drop (${r.failure})`;
  return toController ? 'drop (packet-in to the controller)' : 'drop';
}

export function verdictLine(v: PacketVerdict, index: number, o: RenderOpts = {}): string {
  const p = v.packet.packet;
  const inPort = Number(p.slots.get('in_port') ?? 0n);
  // Each ct() with its zone, `+commit` when it committed: "zone 1: new|trk, new|trk+commit".
  // A ct() the kernel datapath failed committed nothing: "zone 1: inv|trk (commit failed)".
  const r = v.result;
  const byZone: string[] = [];
  r.ctStates.forEach((st, i) => {
    const call = r.ctCalls[i];
    const text = ctStateText(st) + (call?.failed ? (call.commit ? ' (commit failed)' : ' (ct() failed)') : call?.commit ? '+commit' : '');
    const prev = i ? r.ctCalls[i - 1] : undefined;
    byZone.push(call && (!prev || prev.zone !== call.zone) ? `zone ${call.zone}: ${text}` : text);
  });
  const ct = byZone.length ? byZone.join(', ') : 'not tracked';
  return `#${index + 1} @${seconds(v.packet.timeMs)} in_port=${portName(inPort, o.portNames)} ${packetSummary(p)}`
    + ` | ct: ${ct} | ${destination(v, o.portNames)}`;
}

export function renderText(verdicts: PacketVerdict[], o: RenderOpts = {}): string {
  const out: string[] = [];
  verdicts.forEach((v, i) => {
    if (i) out.push('');
    for (const c of v.packet.flowsBefore ?? []) {
      out.push(`@${seconds(c.timeMs)} flows ${c.text}: the OpenFlow tables are replaced (conntrack and MAC learning kept)`);
    }
    out.push(verdictLine(v, i, o));
    if (o.trace) {
      out.push('', ...formatTraceText(v.result.trace, o.bridge).trimEnd().split('\n').map((l) => (l ? '    ' + l : l)), '');
    }
    const n = v.conntrackBrief.length;
    out.push(`  conntrack (${n} ${n === 1 ? 'entry' : 'entries'}):`);
    for (const l of v.conntrackBrief) out.push('    ' + l);
    if (v.result.events.length) {
      out.push('  events:');
      for (const l of v.result.events) out.push('    ' + l);
    }
  });
  if (verdicts.length) out.push('', summaryLine(verdicts));
  return out.join('\n') + '\n';
}

/** `11 packets: 9 output, 2 dropped; 2 conntrack entries at the end (zones 1, 8)` */
export function summaryLine(verdicts: PacketVerdict[]): string {
  const output = verdicts.filter((v) => v.result.outputs.length).length;
  const last = verdicts[verdicts.length - 1].conntrackBrief;
  const zones = [...new Set(last.map((l) => Number(/zone=(\d+)/.exec(l)?.[1] ?? 0)))].sort((a, b) => a - b);
  const packets = verdicts.length === 1 ? '1 packet' : `${verdicts.length} packets`;
  const entries = last.length === 1 ? '1 conntrack entry' : `${last.length} conntrack entries`;
  const where = zones.length ? ` (zone${zones.length > 1 ? 's' : ''} ${zones.join(', ')})` : '';
  return `${packets}: ${output} output, ${verdicts.length - output} dropped; ${entries} at the end${where}`;
}

/**
 * What a pass adds to its `passes` entry in `run --json` when the run kept the passes as
 * data (RunOptions.passes):
 *
 *   "start": {"kind": "received"}                                 first pass, from table 0
 *          | {"kind": "recirc", "table": T, "ct_source": "tracker"} after ct(table=T)
 *          | {"kind": "thaw", "table": T, "group": G}              after a dp_hash select
 *                                        group's hash(),recirc(): resumes at group G, in T
 *   "flow": "recirc_id=0x1,ct_state=new|trk,ct_zone=1,…"         the packet as it started
 *   "final_flow": "…"                     the packet at the end of the pass's translation
 *   "ct_zone": 1
 *   "lookups": [{"table": 0, "flow": {"line": 12, "priority": 100, "cookie": "0x0"}},
 *               {"table": 68, "flow": null}, …]                  in order; null = miss
 */
function passJson(p: PassResult, names?: Map<number, string>): Record<string, unknown> {
  const s = p.start;
  return {
    start: s.kind === 'received' ? { kind: s.kind } : s.kind === 'recirc' ? { kind: s.kind, table: s.table, ct_source: s.ctSource } : { kind: s.kind, table: s.table, group: s.group },
    flow: formatPacketFlow(p.packet, names),
    final_flow: formatPacketFlow(p.final, names),
    ct_zone: p.ctZone,
    lookups: p.lookups.map((l) => ({
      table: l.table,
      flow: l.flow && { line: l.flow.line, priority: l.flow.priority, cookie: '0x' + l.flow.cookie.toString(16) },
    })),
  };
}

/** One JSON document; `ct_state`/`outputs` are those of the whole packet, `passes` per recirculation. */
export function renderJson(verdicts: PacketVerdict[], o: RenderOpts = {}): unknown {
  return {
    packets: verdicts.map((v) => {
      const r = v.result;
      const last = r.trace.passes[r.trace.passes.length - 1];
      return {
        line: v.packet.line,
        time: v.packet.timeMs / 1000,
        // `@S flows PATH` lines met just before this packet.
        ...(v.packet.flowsBefore ? { flows_before: v.packet.flowsBefore.map((c) => ({ line: c.line, time: c.timeMs / 1000, flows: c.text })) } : {}),
        packet: v.packet.text,
        ct_state: ctStateText(r.ctState),
        ct_states: r.ctStates.map(ctStateText),
        // `commit`: the ct() asked to commit; `failed`: the kernel datapath failed it (nothing committed).
        ct_calls: r.ctCalls.map((c, i) => ({ zone: c.zone, commit: c.commit, failed: c.failed, ct_state: ctStateText(r.ctStates[i]) })),
        outputs: r.outputs,
        // The frame each output sent, in flow syntax (the datapath's header rewrites applied).
        sent: r.sent.map((f) => formatPacketFlow(f, o.portNames)),
        // As ofproto/trace's last `Datapath actions:` line: those of the final pass.
        datapath_actions: last ? last.datapathActions : 'drop',
        passes: r.trace.passes.map((p, i) => ({
          recirc_id: p.recircId,
          ct_state: p.ctState,
          datapath_actions: r.datapathActions[i] ?? p.datapathActions,
          outputs: p.outputs,
          ...(r.passes ? passJson(r.passes[i], o.portNames) : {}),
        })),
        conntrack: v.conntrack,
        events: r.events,
        failure: r.failure,
        ...(o.trace ? { trace: traceToJson(r.trace) } : {}),
      };
    }),
  };
}
