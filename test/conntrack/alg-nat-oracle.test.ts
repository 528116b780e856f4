// FTP helper together with NAT, replayed against the recordings in
// test/oracle/alg-nat-{kernel,userspace} (see their README.md): per packet the ct_state,
// the table after it (and the kernel's expectations), and the frame that leaves: its
// addresses and ports, seq/ack and payload (the PORT / 227 line rewritten, the rest of
// the control connection shifted by the length change).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CtOptions, CtPacket } from '../../src/conntrack/index.js';
import { replayAlg } from './alg-replay.js';
import { ORACLE } from './oracle-replay.js';

const CASES = ['ftp-active-snat', 'ftp-passive-dnat'];
const read = (dir: string, name: string): any => JSON.parse(readFileSync(join(ORACLE, dir, name, 'result.json'), 'utf8'));
const VIP = 0x0a090909n;

/**
 * The recorded rules: the client's control connection is committed with the FTP helper,
 * mark 0x15 and the case's NAT; everything else with a bare `nat` (the binding it has).
 */
function opts(name: string, p: CtPacket): CtOptions {
  const control = p.dport === 21 && (name.includes('snat') ? p.src === 0xac10ff82n : p.dst === VIP);
  if (!control) return { zone: 1, commit: true, force: false, nat: {} };
  const nat = name.includes('snat')
    ? { kind: 'src' as const, addrMin: 0x0a010203n, addrMax: 0x0a010203n }
    : { kind: 'dst' as const, addrMin: 0xac10ff83n, addrMax: 0xac10ff83n };
  return { zone: 1, commit: true, force: false, helper: 'ftp', nat, setMark: { value: 0x15, mask: 0xffffffff } };
}

const recording = (profile: 'kernel' | 'userspace', name: string): any => read(profile === 'kernel' ? 'alg-nat-kernel' : 'alg-nat-userspace', name);

const replay = (profile: 'kernel' | 'userspace', name: string, c: any = recording(profile, name)): string[] =>
  replayAlg(profile, name, c.steps, (p) => opts(name, p));

describe('FTP helper with NAT against real conntrack', () => {
  it.each(CASES)('kernel (nf_nat_ftp) %s', (name) => {
    expect(replay('kernel', name)).toEqual([]);
  });
  it.each(CASES)('OVS 3.1 userspace %s', (name) => {
    expect(replay('userspace', name)).toEqual([]);
  });

  // The comparison sees the shift: a recording whose second command left one byte further
  // on, or whose rewritten line kept its old text, no longer agrees.
  it.each(['kernel', 'userspace'] as const)('%s: a frame off by one in seq, or a line left unrewritten, is reported', (profile) => {
    const c = recording(profile, 'ftp-active-snat');
    c.steps[8].out = c.steps[8].out.replace('seq=1031', 'seq=1032');
    c.steps[6].out = c.steps[6].out.replace('len=22 data="PORT 10,1,2,3,156,69', 'len=28 data="PORT 172,16,255,130,156,69');
    const got = replay(profile, 'ftp-active-snat', c);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^ftp-active-snat step 7: leaves as .*PORT 10,1,2,3,156,69/);
    expect(got[1]).toMatch(/^ftp-active-snat step 9: leaves as .* seq=1031 .*recorded .* seq=1032/);
  });
});
