// SCTP / GRE sysctl knobs per profile, and SCTP / GRE entries read back from a saved
// `conntrack -L` table (load.ts).
import { describe, expect, it } from 'vitest';
import { CtConfigError, CtUnsupportedError, formatCtState, loadEntries, newConntrack, newCtPacketCache } from '../../src/conntrack/index.js';
import { readCase } from './oracle-replay.js';
import { parsePacketLine } from './packet-line.js';

describe('SCTP / GRE knobs', () => {
  it('the kernel profile takes every nf_conntrack_sctp_timeout_* and both GRE timeouts', () => {
    const ct = newConntrack({
      profile: 'kernel',
      sysctls: new Map([['nf_conntrack_sctp_timeout_heartbeat_sent', 44], ['net.netfilter.nf_conntrack_gre_timeout_stream', 99]]),
    });
    expect(ct.config.profile === 'kernel' && ct.config.timeouts.sctp.get('HEARTBEAT_SENT')).toBe(44);
    expect(ct.config.profile === 'kernel' && ct.config.timeouts.greStream).toBe(99);
  });

  it('the userspace profile refuses them, naming what OVS does instead', () => {
    const make = () => newConntrack({ profile: 'userspace', sysctls: new Map([['nf_conntrack_sctp_timeout_established', 5]]) });
    expect(make).toThrow(CtConfigError);
    expect(make).toThrow(/tracks SCTP and GRE as "other" protocols with the udp_\* timeouts/);
  });

  it('suggests the right name for a typo', () => {
    expect(() => newConntrack({ profile: 'kernel', sysctls: new Map([['nf_conntrack_sctp_timeout_establised', 5]]) }))
      .toThrow("did you mean 'nf_conntrack_sctp_timeout_established'?");
  });
});

/** Runs recorded packets of a case (by step number) through `ct`, returning ct_states. */
function run(ct: ReturnType<typeof newConntrack>, dir: string, name: string, steps: number[], atMs: number): string[] {
  const c = readCase(dir, name);
  return steps.map((n) => {
    const cache = newCtPacketCache();
    const pkt = parsePacketLine(c.steps[n - 1].flow);
    ct.execute(pkt, { zone: 1, commit: false, force: false }, atMs, cache);
    return formatCtState(ct.execute(pkt, { zone: 1, commit: true, force: false }, atMs, cache).ctState);
  });
}

describe('saved SCTP / GRE entries', () => {
  it('an ESTABLISHED SCTP line restores with ports and state, and learns each side\'s vtag from its next packet', () => {
    const c = readCase('kernel-sctp', 'sctp-wrong-vtag');
    const line = c.steps[3].conntrack_L[0];
    const ct = newConntrack({ profile: 'kernel' });
    ct.restore(loadEntries(line, 0, { file: 'saved' }));
    expect(ct.dump(0)).toEqual([line]);
    // Step 6 (right vtag) teaches the client side's tag; step 5 (wrong vtag) is then +inv,
    // and step 7 (the server using the client's tag) teaches the other side.
    expect(run(ct, 'kernel-sctp', 'sctp-wrong-vtag', [6, 5, 6], 1000)).toEqual(['+est+trk', '+inv+trk', '+est+trk']);
  });

  it('refuses a TCP state on an SCTP line', () => {
    const line = 'sctp     132 9 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1';
    expect(() => loadEntries(line, 0, { file: 'saved' })).toThrow("unknown SCTP state 'SYN_SENT'");
  });

  it('a PPTP GRE line restores with its keys', () => {
    const c = readCase('kernel-gre', 'gre-v1-pptp');
    const lines: string[] = c.steps[1].conntrack_L;
    const ct = newConntrack({ profile: 'kernel' });
    ct.restore(loadEntries(lines.join('\n'), 0, { file: 'saved' }));
    expect(ct.dump(0)).toEqual(lines);
    expect(run(ct, 'kernel-gre', 'gre-v1-pptp', [3, 2], 1000)).toEqual(['+new+trk', '+new+trk']);
  });
});

describe('an SCTP packet that gives no chunks', () => {
  const pkt = { ...parsePacketLine(readCase('kernel-sctp', 'sctp-init').steps[0].flow), sctp: undefined };
  it('stops the kernel profile, naming what is missing', () => {
    const ct = newConntrack({ profile: 'kernel' });
    const run = () => ct.execute(pkt, { zone: 1, commit: true, force: false }, 0);
    expect(run).toThrow(CtUnsupportedError);
    expect(run).toThrow('the kernel profile tracks SCTP by its chunks and verification tag');
  });
  it('is an "other" packet to the userspace profile, which reads no chunks', () => {
    const ct = newConntrack({ profile: 'userspace' });
    expect(formatCtState(ct.execute(pkt, { zone: 1, commit: true, force: false }, 0).ctState)).toBe('+new+trk');
  });
});
