// Kernel behaviours the recorded findings describe (shared/spec/conntrack-kernel.md,
// recorded on kernel 6.18) beyond the 34 replayed cases: reopen from TIME_WAIT, restart
// on a new ISN, RST sequence rules, window scaling, UDP/ICMP refresh rules, cache, force.
import { describe, expect, it } from 'vitest';
import { newCtPacketCache } from '../../src/conntrack/index.js';
import { both, entryOf, handshake, icmp, kernel, tcp, udp } from './helpers.js';

describe('kernel TCP', () => {
  it('a new SYN on TIME_WAIT destroys the entry and opens a fresh one', () => {
    const ct = kernel();
    handshake(ct);
    both(ct, tcp('c', 'fin|ack', 1001, 5001), 300);
    both(ct, tcp('s', 'ack', 5001, 1002), 400);
    both(ct, tcp('s', 'fin|ack', 5001, 1002), 500);
    both(ct, tcp('c', 'ack', 1002, 5002), 600);
    expect(entryOf(ct, 700)).toBe('tcp TIME_WAIT 119 [ASSURED]');
    const r = both(ct, tcp('c', 'syn', 90000, 0), 1000);
    expect(r.st).toBe('+new+trk');
    expect(r.events.map((e) => e.split(' ').slice(0, 5).join(' '))).toEqual([
      '[DESTROY] tcp 6 119 TIME_WAIT',
      '[NEW] tcp 6 120 SYN_SENT',
    ]);
    expect(entryOf(ct, 1081)).toBe('tcp SYN_SENT 119 [UNREPLIED]');
  });

  it('SYN_RECV: a retransmitted client SYN does not refresh, the SYN-ACK answering it does (lab vm2)', () => {
    const ct = kernel();
    both(ct, tcp('c', 'syn', 1000, 0), 0);
    both(ct, tcp('s', 'syn|ack', 5000, 1001), 100);
    const syn = both(ct, tcp('c', 'syn', 1000, 0), 3000);
    expect([syn.st, syn.events]).toEqual(['+est+trk', []]);
    expect(entryOf(ct, 3081)).toBe('tcp SYN_RECV 57');
    const again = both(ct, tcp('s', 'syn|ack', 5000, 1001), 3200);
    expect(again.st).toBe('+est+rpl+trk');
    expect(again.events[0]).toMatch(/^\[UPDATE\] tcp 6 60 SYN_RECV /);
    expect(entryOf(ct, 3281)).toBe('tcp SYN_RECV 59');
  });

  it('a FIN|ACK acking the first FIN goes FIN_WAIT -> LAST_ACK directly', () => {
    const ct = kernel();
    handshake(ct);
    both(ct, tcp('c', 'fin|ack', 1001, 5001), 300);
    both(ct, tcp('s', 'fin|ack', 5001, 1002), 400);
    expect(entryOf(ct, 481)).toBe('tcp LAST_ACK 29 [ASSURED]');
  });

  it('a SYN with a new ISN on ESTABLISHED is +est, then its SYN-ACK restarts the entry', () => {
    const ct = kernel();
    handshake(ct);
    const r = both(ct, tcp('c', 'syn', 777000, 0), 2000);
    expect(r.st).toBe('+est+trk');
    expect(r.events).toEqual([]);
    expect(entryOf(ct, 2081)).toBe('tcp ESTABLISHED 431998 [ASSURED]');
    both(ct, tcp('s', 'syn|ack', 9000, 777001), 2200);
    expect(entryOf(ct, 2281)).toBe('tcp SYN_RECV 59 [ASSURED]');
    const a = both(ct, tcp('c', 'ack', 777001, 9001), 2400);
    expect(a.events[0]).toMatch(/^\[UPDATE\] tcp 6 432000 ESTABLISHED /);
  });

  it('RST: exact sequence closes, in-window inexact keeps ESTABLISHED with 10 s, far away is +inv', () => {
    const inexact = kernel();
    handshake(inexact);
    const r = both(inexact, tcp('s', 'rst|ack', 5101, 1001), 1000);
    expect(r.st).toBe('+est+rpl+trk');
    expect(entryOf(inexact, 1081)).toBe('tcp ESTABLISHED 9 [ASSURED]');

    const far = kernel();
    handshake(far);
    expect(both(far, tcp('s', 'rst|ack', 5001 + 10_000_000, 1001), 1000).st).toBe('+inv+trk');
    expect(entryOf(far, 1081)).toBe('tcp ESTABLISHED 431999 [ASSURED]');
  });

  it('a RST from the client in SYN_SENT destroys the entry at once', () => {
    const ct = kernel();
    both(ct, tcp('c', 'syn', 1000, 0), 0);
    const r = both(ct, tcp('c', 'rst', 1001, 0), 100);
    expect(r.events[0]).toMatch(/^\[DESTROY\] tcp 6 119 CLOSE .*\[UNREPLIED\]/);
    expect(entryOf(ct, 200)).toBe('(none)');
  });

  it('window scaling: data 200000 bytes ahead is fine once a scaled window was advertised', () => {
    const ct = kernel();
    handshake(ct, 7);
    both(ct, tcp('s', 'ack', 5001, 1001), 300);
    expect(both(ct, tcp('c', 'psh|ack', 201001, 5001, { len: 10 }), 400).st).toBe('+est+trk');
  });

  it('an ACK for data never sent is +inv, or +est with be_liberal', () => {
    const strict = kernel();
    handshake(strict);
    expect(both(strict, tcp('c', 'ack', 1001, 905001), 500).st).toBe('+inv+trk');
    const liberal = kernel([['nf_conntrack_tcp_be_liberal', 1]]);
    handshake(liberal);
    expect(both(liberal, tcp('c', 'ack', 1001, 905001), 500).st).toBe('+est+trk');
  });

  it('after a mid-stream pickup the window check is lax (1,000,000 bytes ahead accepted)', () => {
    const ct = kernel();
    both(ct, tcp('c', 'ack', 1001, 5001), 0);
    both(ct, tcp('s', 'ack', 5001, 1001), 100);
    expect(both(ct, tcp('c', 'psh|ack', 1_001_001, 5001, { len: 10 }), 200).st).toBe('+est+trk');
  });

  it('a lookup alone leaves no entry; commit creates it', () => {
    const ct = kernel();
    const r = ct.execute(tcp('c', 'syn', 1000, 0), { zone: 1, commit: false, force: false }, 0);
    expect(r.ctState).toBe(0x21);
    expect(ct.dump(10)).toEqual([]);
  });

  it('the same packet through ct twice in one zone runs the state machine once', () => {
    const ct = kernel();
    both(ct, udp('c'), 0);
    const reply = udp('s');
    const cache = newCtPacketCache();
    // Run a second time, the late reply would count as "after a reply" and make it ASSURED.
    for (let i = 0; i < 3; i++) ct.execute(reply, { zone: 1, commit: i > 0, force: false }, 2500, cache);
    expect(entryOf(ct, 2581)).toBe('udp 29');
    const other = ct.execute(reply, { zone: 2, commit: false, force: false }, 2500, cache);
    expect(other.ctState).toBe(0x21); // another zone is another table: new there
  });

  it('force: an entry opened by the other side is replaced', () => {
    const ct = kernel();
    handshake(ct);
    const r = ct.execute(tcp('s', 'syn', 7000, 0), { zone: 1, commit: true, force: true }, 500);
    expect(r.events.map((e) => e.split(' ')[0])).toEqual(['[DESTROY]', '[NEW]']);
    expect(ct.dump(600)[0]).toMatch(/SYN_SENT src=172\.16\.255\.131 dst=172\.16\.255\.130 sport=22 dport=40000/);
  });

  it('mark and label are applied with commit and reported', () => {
    const ct = kernel();
    const cache = newCtPacketCache();
    const pkt = tcp('c', 'syn', 1000, 0);
    ct.execute(pkt, { zone: 3, commit: false, force: false, setMark: { value: 5, mask: 0xffffffff } }, 0, cache);
    expect(ct.dump(1)).toEqual([]);
    const r = ct.execute(pkt, { zone: 3, commit: true, force: false, setMark: { value: 5, mask: 0xff }, setLabel: { value: 0x1234n, mask: 0xffffn } }, 0, cache);
    expect([r.ctMark, r.ctLabel]).toEqual([5, 0x1234n]);
    expect(r.events[0]).toMatch(/ mark=5 zone=3$/);
    expect(ct.dump(1)[0]).toMatch(/ mark=5 zone=3 use=1$/);
  });
});

describe('kernel UDP and ICMP', () => {
  it('UDP becomes ASSURED 120 s on the first packet after a reply and >= 2 s after creation', () => {
    const ct = kernel();
    both(ct, udp('c'), 0);
    both(ct, udp('s'), 500);
    both(ct, udp('c'), 1500);
    expect(entryOf(ct, 1581)).toBe('udp 29');
    const r = both(ct, udp('s'), 2600);
    expect(r.events[0]).toMatch(/^\[UPDATE\] udp 17 120 .*\[ASSURED\] zone=1$/);
    expect(entryOf(ct, 2681)).toBe('udp 119 [ASSURED]');
  });

  it('a UDP reply arriving late does not itself set ASSURED', () => {
    const ct = kernel();
    both(ct, udp('c'), 0);
    both(ct, udp('s'), 5000);
    expect(entryOf(ct, 5081)).toBe('udp 29');
    both(ct, udp('c'), 5200);
    expect(entryOf(ct, 5281)).toBe('udp 119 [ASSURED]');
  });

  it('ICMP: request again after the reply is +est and refreshes to 30; never ASSURED', () => {
    const ct = kernel();
    both(ct, icmp('c', 8), 0);
    both(ct, icmp('s', 0), 100);
    const r = both(ct, icmp('c', 8), 10_000);
    expect(r.st).toBe('+est+trk');
    expect(entryOf(ct, 10_081)).toBe('icmp 29');
  });

  it('entries expire when their time is up', () => {
    const ct = kernel();
    both(ct, udp('c'), 0);
    expect(ct.entries(29_999)).toHaveLength(1);
    expect(ct.entries(30_000)).toHaveLength(0);
  });
});
