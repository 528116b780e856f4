// Saved tables read back: every recorded `conntrack -L` and `dpctl/dump-conntrack -m -s`
// line parses and prints back identically; restored entries keep tracking; bad lines
// fail with file:line:col.
import { describe, expect, it } from 'vitest';
import { CtParseError, loadEntries, newConntrack } from '../../src/conntrack/index.js';
import { both, tcp } from './helpers.js';
import { caseNames, readCase } from './oracle-replay.js';

describe('loadEntries round trip over the recordings', () => {
  it('kernel conntrack -L lines', () => {
    let n = 0;
    for (const name of caseNames('kernel')) {
      for (const s of readCase('kernel', name).steps) {
        const ct = newConntrack({ profile: 'kernel' });
        ct.restore(loadEntries(s.conntrack_L, 5000, { file: name }));
        expect(ct.dump(5000)).toEqual(s.conntrack_L);
        n += s.conntrack_L.length;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('userspace dump lines, all four forms', () => {
    for (const name of caseNames('ovs-userspace')) {
      for (const s of readCase('ovs-userspace', name).steps) {
        const ct = newConntrack({ profile: 'userspace' });
        ct.restore(loadEntries(s.dump_conntrack_ms, 5000));
        expect(ct.dump(5000, { more: true, stats: true })).toEqual(s.dump_conntrack_ms);
        expect(ct.dump(5000, { more: true })).toEqual(s.dump_conntrack_m);
        expect(ct.dump(5000)).toEqual(s.dump_conntrack);
        const plain = loadEntries(s.dump_conntrack, 0);
        expect(plain.length).toBe(s.dump_conntrack.length);
      }
    }
  });
});

describe('restored entries keep tracking', () => {
  const estK =
    'tcp      6 431999 ESTABLISHED src=172.16.255.130 dst=172.16.255.131 sport=40000 dport=22 src=172.16.255.131 dst=172.16.255.130 sport=22 dport=40000 [ASSURED] mark=0 zone=1 use=1';
  const estU =
    'tcp,orig=(src=172.16.255.130,dst=172.16.255.131,sport=40000,dport=22),reply=(src=172.16.255.131,dst=172.16.255.130,sport=22,dport=40000),id=0,zone=1,status=0,timeout=86399,protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,flags_orig=0,flags_reply=0)';

  it.each([
    ['kernel', estK],
    ['userspace', estU],
  ] as const)('%s: data after restore is +est, the reply +est+rpl', (profile, line) => {
    const ct = newConntrack({ profile });
    ct.restore(loadEntries([line], 0));
    expect(both(ct, tcp('c', 'psh|ack', 123456, 98765, { len: 10 }), 100).st).toBe('+est+trk');
    expect(both(ct, tcp('s', 'ack', 98765, 123466), 200).st).toBe('+est+rpl+trk');
    expect(ct.entries(300)).toHaveLength(1);
  });
});

describe('bad lines', () => {
  const err = (lines: string[]): CtParseError => {
    try {
      loadEntries(lines, 0, { file: 'saved.txt' });
    } catch (e) {
      if (e instanceof CtParseError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it('names file, line and column', () => {
    const e = err(['# saved', 'udp      17 29 src=10.0.0.1 dst=10.0.0.300 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1']);
    expect([e.file, e.line, e.col]).toEqual(["saved.txt", 2, 33]);
    expect(e.message).toMatch(/^saved\.txt:2:33: '10\.0\.0\.300' is not an IP address/);
  });

  it('rejects unknown states, fields and protocols', () => {
    expect(err(['tcp      6 10 ESTABLISHD src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1']).detail).toMatch(/unknown TCP state 'ESTABLISHD'/);
    expect(err(['udp,orig=(src=1.1.1.1,dst=2.2.2.2,sport=1,dport=2),reply=(src=2.2.2.2,dst=1.1.1.1,sport=2,dport=1),zoen=3']).col).toBe(100);
    expect(err(['frob     6 10 src=1.1.1.1']).detail).toMatch(/unknown protocol 'frob'/);
    expect(err(['udp,orig=(src=1.1.1.1,dst=2.2.2.2,sport=1,dport=2,reply=(src=2.2.2.2)']).detail).toMatch(/missing '\)'/);
  });
});
