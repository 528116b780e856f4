// ctflow connection tracker: a pure, zone-aware emulation of Linux nf_conntrack
// (profile "kernel", as OVS's kernel datapath uses it) and of OVS 3.1's userspace
// conntrack (profile "userspace").
//
// Usage (what the pipeline does for `ct(zone=1,table=1)` then `ct(commit,zone=1)`):
//
//   const ct = newConntrack({ profile: 'kernel', sysctls: new Map([['nf_conntrack_tcp_loose', 0]]) });
//   const cache = newCtPacketCache();            // one per packet, cleared by ct_clear
//   ct.execute(pkt, { zone: 1, commit: false, force: false }, nowMs, cache);  // lookup
//   ct.execute(pkt, { zone: 1, commit: true, force: false }, nowMs, cache);   // commit
//
// - Only `commit` creates entries; mark/label are applied only with commit.
// - The same packet passing ct() twice in one zone runs the state machines once (the
//   cache holds the verdict, as the kernel keeps the skb's conntrack and OVS userspace
//   keeps md.conn). A different zone, or `force`, processes the packet again.
// - Time is explicit (`nowMs`, expected not to go back); entries expire lazily: an expired
//   entry is dropped when next looked up or listed. The kernel profile reports a `[DESTROY]`
//   for every committed entry that timed out, and removes it, with the first ct() at or
//   after its timeout (expiry.ts); the userspace profile's table has a small sweep each
//   commit does instead (table.ts), so untouched connections do not pile up.
// - Performance shape: one hash index from (zone, tuple) to the entry, both directions
//   (key-index.ts: open addressing, no object per key); no per-packet key strings; the
//   table's insertion order threaded through the entries (entry-list.ts); `npm run bench`
//   reports packets/s and heap bytes per entry.
// - Printers: formatKernelList (`conntrack -L`), formatKernelEvent (`conntrack -E`,
//   returned as result.events), formatUserDump (`dpctl/dump-conntrack [-m] [-s]`);
//   loadEntries() parses those lines back (see load.ts).
// - Knobs: kernel sysctl names (see profiles.ts); CtConfigError for unknown names or for
//   knobs the userspace tracker does not have.
// - A ct() OVS's kernel datapath fails (a commit whose NAT finds no free tuple or whose
//   reply tuple is taken, a helper's NF_DROP) comes back +trk+inv with result.dpDrop: the
//   pipeline drops the packet there. OVS userspace never fails one (test/oracle/ct-fail).
// - NAT (nat.ts): ct(nat(src|dst=addr[-addr][:port[-port]],persistent|hash|random)); the
//   binding follows each profile's rules, with a fixed hash where the real one is random;
//   bare `nat` applies an existing binding. ICMP errors get both their outer header and
//   the packet they quote translated.
// - SCTP (kernel): ports, the chunk-driven state machine and verification tags
//   (sctp-kernel.ts); GRE (kernel): its two timeouts and PPTP call-id keys (gre-kernel.ts);
//   DCCP: generic, as Linux 6.18 has no DCCP tracker. The userspace profile tracks all
//   three as OVS 3.1 does: "other" protocols, ports/keys 0, udp_* timeouts.
// - ALGs (alg*.ts): ct(commit,alg=ftp|tftp) attaches the FTP or TFTP helper; PORT / 227
//   (kernel also EPRT / 229) and TFTP read/write requests (payload: CtTcpFields.payload,
//   a conversation's data="...") file expectations; the expected connection is +rel with
//   its master's mark, label and tuple, `helper=` / `parent=` in the listings. Each
//   profile's rules as recorded (test/oracle/alg-*). FTP on a NATed connection
//   (alg-nat*.ts): the PORT / EPRT / 227 / 229 argument rewritten in the payload as each
//   profile does, the rest of the control connection's seq/ack shifted, the data
//   connection NATed back (result.natted.tcp carries the segment as it leaves); FTP over
//   IPv6 and TFTP through NAT likewise (test/oracle/alg-nat-*, alg-ext-*).
// - Not modelled (CtUnsupportedError where reachable): kernel NAT on a connection a
//   non-NATed master expected, a kernel FTP / TFTP master NATed at both ends;
//   the kernel's SACK block adjustment. The PPTP helper (no key map: a PPTP call's
//   two directions are two entries, as recorded without the helper), zone limits,
//   [DESTROY] events for entries flushed with `conntrack -F`, kernel IPv6 fragment
//   handling, DCCP tracking of kernels before 6.16 (they had a DCCP state machine), SCTP
//   multi-homing beyond the heartbeat vtag rules, CRC checks (packets are taken as
//   well-formed).

import { KernelTracker } from './kernel.js';
import { formatKernelList, formatUserDump, remainingSec } from './print.js';
import { makeConfig, type CtConfig } from './profiles.js';
import { CtTable, clearCtPacketCache, newCtPacketCache, type CtPacketCache } from './table.js';
import type { CtEntry, CtEntryView, CtOptions, CtPacket, CtResult, Profile } from './types.js';
import { UserspaceTracker } from './userspace.js';
import { userCtlType } from './alg-user.js';
import { formatKernelExpect } from './alg.js';
import { CS } from './types.js';

export * from './types.js';
export { CtUnsupportedError, type AlgName } from './alg.js';
export { CtConfigError, CtParseError } from './errors.js';
export { KNOB_NAMES } from './profiles.js';
export { formatKernelList, formatKernelEvent, formatUserDump, remainingSec } from './print.js';
export { newCtPacketCache, clearCtPacketCache, type CtPacketCache } from './table.js';
export { formatIp, parseIp } from './addr.js';
export { loadEntries, type LoadOptions } from './load.js';

export interface ConntrackOptions {
  profile: Profile;
  sysctls?: Map<string, string | number>;
}

export interface Conntrack {
  readonly profile: Profile;
  readonly config: CtConfig;
  /** Runs one ct() action on a packet. */
  execute(pkt: CtPacket, opts: CtOptions, nowMs: number, cache?: CtPacketCache): CtResult;
  /** Live entries (expired ones are swept), oldest first. */
  entries(nowMs: number): CtEntryView[];
  /** The table as the profile's tool prints it (`conntrack -L` or `dpctl/dump-conntrack`). */
  dump(nowMs: number, opts?: { zone?: number; more?: boolean; stats?: boolean }): string[];
  /** `dpctl/flush-conntrack [zone=N]` / `conntrack -F`. */
  flush(zone?: number): void;
  /** Adds entries (e.g. from loadEntries) as if committed. */
  restore(entries: CtEntry[]): void;
  /** Kernel: the live FTP/TFTP expectations as `conntrack -L expect` prints them (OVS userspace has no such listing: []). */
  dumpExpectations(nowMs: number): string[];
}

function checkZone(zone: number): void {
  if (!Number.isInteger(zone) || zone < 0 || zone > 65535) {
    throw new RangeError(`conntrack zone ${zone} is out of range (0-65535)`);
  }
}

export function newConntrack(o: ConntrackOptions): Conntrack {
  const config = makeConfig(o.profile, o.sysctls);
  // The kernel's expiry index drops timed-out entries itself: no sweep there (table.ts).
  const table = new CtTable(config.profile === 'kernel' ? 0 : 2);
  const kernel = config.profile === 'kernel' ? new KernelTracker(config, table) : null;
  const user = config.profile === 'kernel' ? null : new UserspaceTracker(config, table);
  return {
    profile: o.profile,
    config,
    execute(pkt, opts, nowMs, cache) {
      checkZone(opts.zone);
      const c = cache ?? newCtPacketCache();
      // OVS userspace runs an FTP/TFTP control packet through again at each ct() (alg-user.ts);
      // a NATed one is reused as before (OVS would look it up by its reverse key; helpers
      // with NAT are refused anyway).
      const again = c.tracked && c.zone === opts.zone && !opts.force && (kernel !== null || c.natted || userCtlType(pkt) === undefined);
      // Entering another zone starts from scratch (OVS resets ct_state there too).
      if (!again) clearCtPacketCache(c);
      if (kernel === null) return again ? user!.reuse(pkt, opts, nowMs, c) : user!.process(pkt, opts, nowMs, c);
      // Entries that timed out since the last packet are reported first (the packet's own
      // lines follow in the same array).
      const events = nowMs >= kernel.expiry.nextMs ? kernel.expire(nowMs) : [];
      return again ? kernel.reuse(pkt, opts, nowMs, c, events) : kernel.process(pkt, opts, nowMs, c, events);
    },
    entries(nowMs) {
      return table.live(nowMs).map((entry) => ({ entry, timeoutSec: remainingSec(entry, nowMs) }));
    },
    dump(nowMs, d = {}) {
      const live = table.live(nowMs).filter((e) => d.zone === undefined || e.zone === d.zone);
      return live.map((e) =>
        kernel !== null ? formatKernelList(e, nowMs, e.alg?.helper ? kernel.alg.useCount(e, live) : 1) : formatUserDump(e, nowMs, d.more, d.stats),
      );
    },
    flush(zone) {
      table.flush(zone);
      kernel?.expiry.clear((e) => table.has(e));
    },
    dumpExpectations(nowMs) {
      return kernel ? kernel.alg.exp.live(nowMs, (e, t) => table.has(e) && t < e.expiresMs).map((x) => formatKernelExpect(x, nowMs)) : [];
    },
    restore(entries) {
      for (const e of entries) {
        checkZone(e.zone);
        table.insert(e);
        kernel?.expiry.set(e);
      }
    },
  };
}

/** ct_state bits as OVS prints them: "+trk+est+rpl". */
export function formatCtState(bits: number): string {
  const order: [keyof typeof CS, number][] = [
    ['new', CS.new], ['est', CS.est], ['rel', CS.rel], ['rpl', CS.rpl],
    ['inv', CS.inv], ['trk', CS.trk], ['snat', CS.snat], ['dnat', CS.dnat],
  ];
  return order.filter(([, b]) => bits & b).map(([n]) => `+${n}`).join('');
}

export { CtTable };
