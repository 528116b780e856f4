// Classifier: priorities, masks, prerequisites, ties and conjunctions.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket } from '../../src/packet/packet.js';
import { Classifier, type Conjunction } from '../../src/pipeline/classifier.js';
import type { Flow } from '../../src/model/flow.js';

/** Conjunctions written in the test as `note:` free flows: cookie = id*100+k*10+n. */
const conjByCookie = (f: Flow): Conjunction[] | null => {
  if (f.cookie < 1000n) return null;
  const c = Number(f.cookie) - 1000;
  return [{ id: Math.floor(c / 100), clause: Math.floor(c / 10) % 10, nClauses: c % 10 }];
};

function classifier(text: string): Classifier {
  const r = readFlows(text, 't');
  expect(r.diagnostics).toEqual([]);
  const c = new Classifier(conjByCookie);
  for (const f of r.flows) c.add(f);
  return c;
}

const hit = (c: Classifier, pkt: string, table = 0) => c.lookup(table, parsePacket(pkt).slots)?.flow.line ?? null;

describe('classifier', () => {
  it('highest priority wins across masks', () => {
    const c = classifier([
      'priority=10,ip actions=drop',
      'priority=20,ip,nw_dst=10.0.0.0/8 actions=drop',
      'priority=30,tcp,tp_dst=22 actions=drop',
      'priority=5 actions=drop',
    ].join('\n'));
    expect(hit(c, 'tcp,nw_dst=10.1.2.3,tp_dst=22')).toBe(3);
    expect(hit(c, 'tcp,nw_dst=10.1.2.3,tp_dst=80')).toBe(2);
    expect(hit(c, 'udp,nw_dst=11.1.2.3,tp_dst=22')).toBe(1);
    expect(hit(c, 'arp')).toBe(4);
  });

  it('prerequisites: tp_dst only matches the protocol it was written for', () => {
    const c = classifier('priority=30,tcp,tp_dst=22 actions=drop\npriority=1 actions=drop');
    expect(hit(c, 'udp,tp_dst=22')).toBe(2);
    expect(hit(c, 'tcp,tp_dst=22')).toBe(1);
  });

  it('arbitrary masks and longest prefix by priority', () => {
    const c = classifier([
      'priority=100,ip,nw_src=10.0.0.0/255.0.0.255 actions=drop',
      'priority=200,ip,nw_src=10.1.0.0/16 actions=drop',
    ].join('\n'));
    expect(hit(c, 'ip,nw_src=10.1.0.7')).toBe(2);
    expect(hit(c, 'ip,nw_src=10.2.3.0')).toBe(1);
    expect(hit(c, 'ip,nw_src=10.2.3.1')).toBe(null);
  });

  it('slots wider than 32 bits and rare slots (tunnel metadata) match word by word', () => {
    const c = classifier([
      'priority=30,ipv6,ipv6_src=2001:db8::/32 actions=drop',
      'priority=20,dl_src=02:00:00:00:00:00/ff:ff:00:00:00:00 actions=drop',
      'priority=10,tun_metadata0=0x1122334455 actions=drop',
      'priority=1 actions=drop',
    ].join('\n'));
    expect(hit(c, 'ipv6,ipv6_src=2001:db8:1::1')).toBe(1);
    expect(hit(c, 'ipv6,ipv6_src=2001:db9::1')).toBe(4);
    expect(hit(c, 'dl_src=02:00:12:34:56:78')).toBe(2);
    expect(hit(c, 'dl_src=03:00:12:34:56:78')).toBe(4);
    expect(hit(c, 'tun_metadata0=0x1122334455')).toBe(3);
    expect(hit(c, 'tun_metadata0=0x2122334455')).toBe(4);
    expect(hit(c, 'tun_metadata0=0x1122334456')).toBe(4);
  });

  it('subtables with many flows (hashed): a lower match in one does not hide a better one in the next', () => {
    const ips = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`);
    const c = classifier([
      ...ips(9).map((ip) => `priority=110,ip,nw_dst=${ip} actions=drop`),
      'priority=5,ip,nw_dst=10.0.0.20 actions=drop',
      ...ips(8).map((ip) => `priority=100,tcp,nw_dst=${ip} actions=drop`),
      'priority=100,tcp,nw_dst=10.0.0.20 actions=drop',
    ].join('\n'));
    expect(hit(c, 'tcp,nw_dst=10.0.0.20')).toBe(19);
    expect(hit(c, 'udp,nw_dst=10.0.0.20')).toBe(10);
    expect(hit(c, 'tcp,nw_dst=10.0.0.3')).toBe(3);
  });

  it('table miss and other tables', () => {
    const c = classifier('table=1,priority=1 actions=drop');
    expect(hit(c, 'ip', 0)).toBe(null);
    expect(hit(c, 'ip', 1)).toBe(1);
  });

  it('equal priorities: the flow added first wins, whatever its mask', () => {
    const c = classifier('priority=5,ip actions=drop\npriority=5,ip,nw_dst=1.2.3.4 actions=drop');
    expect(hit(c, 'ip,nw_dst=1.2.3.4')).toBe(1);
    // Also when the later flow's subtable holds a higher priority (and is visited first).
    const d = classifier('priority=5,ip actions=drop\npriority=100,tcp,nw_dst=10.0.0.1 actions=drop\npriority=5,tcp,nw_dst=10.0.0.2 actions=drop');
    expect(hit(d, 'tcp,nw_dst=10.0.0.2')).toBe(1);
  });

  it('a flow with the same match and priority replaces the old one', () => {
    const c = classifier('priority=5,ip actions=drop\npriority=5,ip actions=output:1');
    expect(c.size).toBe(1);
    expect(hit(c, 'ip')).toBe(2);
  });

  it('conjunction: all clauses must match, then conj_id=ID is looked up', () => {
    const c = classifier([
      'priority=100,ip,nw_src=10.0.0.1,cookie=1112 actions=drop', // id 1, clause 1/2
      'priority=100,ip,nw_src=10.0.0.2,cookie=1112 actions=drop',
      'priority=100,tcp,tp_dst=80,cookie=1122 actions=drop',      // id 1, clause 2/2
      'priority=100,conj_id=1,ip actions=drop',
      'priority=50,ip actions=drop',
    ].join('\n'));
    expect(hit(c, 'tcp,nw_src=10.0.0.2,tp_dst=80')).toBe(4);
    expect(hit(c, 'tcp,nw_src=10.0.0.3,tp_dst=80')).toBe(5);
    expect(hit(c, 'tcp,nw_src=10.0.0.1,tp_dst=81')).toBe(5);
  });

  it('conjunction below a matching plain flow does not apply', () => {
    const c = classifier([
      'priority=100,ip,nw_src=10.0.0.1,cookie=1111 actions=drop',
      'priority=100,conj_id=1,ip actions=drop',
      'priority=200,ip actions=drop',
    ].join('\n'));
    expect(hit(c, 'ip,nw_src=10.0.0.1')).toBe(3);
  });

  it('metadata partitions: a datapath sees only its own flows and those not matching metadata exactly, added flows included', () => {
    const c = classifier([
      'priority=100,metadata=0x1,ip,nw_dst=10.0.0.1 actions=drop',
      'priority=90,metadata=0x2,ip,nw_dst=10.0.0.1 actions=drop',
      'priority=95,metadata=0x1/0x1,ip actions=drop',
      'priority=80,ip,nw_dst=10.0.0.1 actions=drop',
      'priority=10,metadata=0x2 actions=drop',
      'priority=1 actions=drop',
      'priority=200,metadata=0x100000002,ip actions=drop',
    ].join('\n'));
    expect(hit(c, 'ip,metadata=0x1,nw_dst=10.0.0.1')).toBe(1);
    expect(hit(c, 'ip,metadata=0x1,nw_dst=10.0.0.2')).toBe(3);
    expect(hit(c, 'ip,metadata=0x2,nw_dst=10.0.0.1')).toBe(2);
    expect(hit(c, 'ip,metadata=0x2,nw_dst=10.0.0.2')).toBe(5);
    expect(hit(c, 'ip,metadata=0x3,nw_dst=10.0.0.1')).toBe(3);
    expect(hit(c, 'ip,metadata=0x4,nw_dst=10.0.0.1')).toBe(4);
    expect(hit(c, 'arp,metadata=0x4')).toBe(6);
    expect(hit(c, 'ip,metadata=0x100000002')).toBe(7);
    expect(hit(c, 'arp,metadata=0x100000002')).toBe(6);
    // A flow added after lookups (learn) is seen by the next lookup of its datapath.
    const more = readFlows('priority=120,metadata=0x2,ip actions=drop', 't').flows[0];
    c.add({ ...more, line: 8 });
    expect(hit(c, 'ip,metadata=0x2,nw_dst=10.0.0.1')).toBe(8);
    expect(hit(c, 'ip,metadata=0x1,nw_dst=10.0.0.2')).toBe(3);
  });
});
