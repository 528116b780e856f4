// Listed entries with helper= (and -m parent=) load back with their ALG state: nothing of
// a saved table is dropped without a word. Lines as recorded in test/oracle/alg-*.
import { describe, expect, it } from 'vitest';
import { formatCtState, loadEntries, newConntrack, newCtPacketCache, type CtPacket } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { toCtPacket } from '../../src/packet/ct.js';

const packet = (line: string): CtPacket => toCtPacket(readConversation(line, 't').packets[0]!.packet);
const look = (line: string) => ({ zone: 1, commit: false, force: false, line });
const PORT = 'tcp,nw_src=172.16.255.130,nw_dst=172.16.255.131,tp_src=40001,tp_dst=21,tcp_flags=psh|ack  seq=1040 ack=5065 win=64240 data="PORT 172,16,255,130,156,100\\r\\n"';
const DATA = 'tcp,nw_src=172.16.255.131,nw_dst=172.16.255.130,tp_src=20,tp_dst=40036,tcp_flags=syn  seq=9000 ack=0 win=65160';

describe('restoring ALG entries', () => {
  it('kernel: a restored FTP master reads its next line wherever it starts', () => {
    const line = 'tcp      6 431999 ESTABLISHED src=172.16.255.130 dst=172.16.255.131 sport=40001 dport=21 src=172.16.255.131 dst=172.16.255.130 sport=21 dport=40001 [ASSURED] mark=21 zone=1 helper=ftp use=1';
    const ct = newConntrack({ profile: 'kernel', sysctls: new Map([['nf_conntrack_tcp_be_liberal', 1]]) });
    ct.restore(loadEntries(line, 0, { file: 'saved' }));
    expect(ct.dump(0)).toEqual([line]);
    const { line: l, ...o } = look(PORT);
    ct.execute(packet(l), o, 0, newCtPacketCache());
    expect(ct.dumpExpectations(0)).toHaveLength(1);
    const r = ct.execute(packet(DATA), { zone: 1, commit: false, force: false }, 0, newCtPacketCache());
    expect([formatCtState(r.ctState), r.ctMark]).toEqual(['+new+rel+trk', 21]);
  });

  it('userspace: helper= and parent= load back; the related entry answers +rel with its parent tuple', () => {
    const lines = [
      'tcp,orig=(src=172.16.255.130,dst=172.16.255.131,sport=40001,dport=21),reply=(src=172.16.255.131,dst=172.16.255.130,sport=21,dport=40001),id=0,zone=1,status=0,mark=21,labels=0x2a,protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,flags_orig=0,flags_reply=0),helper=ftp',
      'tcp,orig=(src=172.16.255.131,dst=172.16.255.130,sport=20,dport=40036),reply=(src=172.16.255.130,dst=172.16.255.131,sport=40036,dport=20),id=0,zone=1,status=0,mark=21,labels=0x2a,protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,flags_orig=0,flags_reply=0),parent=(src=172.16.255.130,dst=172.16.255.131,sport=40001,dport=21)',
    ];
    const ct = newConntrack({ profile: 'userspace' });
    ct.restore(loadEntries(lines.join('\n'), 0, { file: 'saved' }));
    expect(ct.dump(0, { more: true })).toEqual(lines);
    const r = ct.execute(packet('tcp,nw_src=172.16.255.131,nw_dst=172.16.255.130,tp_src=20,tp_dst=40036,tcp_flags=ack  seq=9001 ack=7001 win=65160'), { zone: 1, commit: false, force: false }, 0, newCtPacketCache());
    expect([formatCtState(r.ctState), r.ct_tp_dst]).toEqual(['+est+rel+trk', 21]);
  });

  it('refuses a helper ctflow does not emulate, by name', () => {
    const line = 'udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=5060 dport=5060 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=5060 dport=5060 mark=0 helper=sip use=1';
    expect(() => loadEntries(line, 0, { file: 'saved' })).toThrow(/helper=sip: ctflow emulates only the ftp and tftp helpers/);
  });
});
