// output:NORMAL, FLOOD and ALL against the recorded ofproto/trace cases whose port order
// OVS itself does not keep from one ovs-vswitchd start to the next (see
// src/pipeline/flood.ts and normal.ts): everything but that order must agree.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePacket } from '../../src/packet/packet.js';
import { readFlows } from '../../src/parse/flows.js';
import { floodOrder, hmapMask } from '../../src/pipeline/flood.js';
import { MAC_AGING_MS, MacTable } from '../../src/pipeline/normal.js';
import { buildPipeline, OFPP_LOCAL } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';
import { CASES, runCase, sameUpToOutputOrder, topLevelActions as actions } from '../trace/oracle-case.js';

interface Recorded { datapath_actions: string; output_order_unstable?: boolean }
const recorded = (name: string) => JSON.parse(readFileSync(join(CASES, name, 'expect.json'), 'utf8')) as Recorded;
const unstable = readdirSync(CASES).sort().filter((n) => recorded(n).output_order_unstable === true);
const isFlood = (n: string) => /actions=.*\b(FLOOD|ALL)\b/.test(readFileSync(join(CASES, n, 'flows.txt'), 'utf8'));

describe('NORMAL / FLOOD / ALL against recorded traces', () => {
  it('has recordings of each', () => {
    expect(unstable.filter(isFlood).length).toBeGreaterThan(3);
    expect(unstable.filter((n) => !isFlood(n)).length).toBeGreaterThan(10);
  });

  it('the oracle compares those cases up to output order only', () => {
    expect(sameUpToOutputOrder('push_vlan(vid=5,pcp=0),2,3,100', 'push_vlan(vid=5,pcp=0),100,3,2')).toBe(true);
    expect(sameUpToOutputOrder('2,3', '2,3,4')).toBe(false);
    expect(sameUpToOutputOrder('2,pop_vlan,3', '3,pop_vlan,2')).toBe(false);
    expect(sameUpToOutputOrder('2,3,pop_vlan,4,100', '3,2,pop_vlan,100,4')).toBe(true);
    expect(sameUpToOutputOrder('2,pop_vlan,3', 'pop_vlan,2,3')).toBe(false);
    expect(sameUpToOutputOrder('set(eth(src=1)),2', 'set(eth(src=2)),2')).toBe(false);
  });

  // The recorded FLOOD/ALL orders follow OVS's hash buckets: sorting each bucket's ports
  // (what ctflow does) must give ctflow's order back. A wrong hash or mask fails this.
  for (const name of unstable.filter(isFlood)) {
    it(`${name}: OVS's flood order is ctflow's up to the order inside a hash bucket`, async () => {
      const r = await runCase(name);
      const ovs = actions(recorded(name).datapath_actions).map((p) => (p === '100' ? OFPP_LOCAL : Number(p)));
      const rank = new Map(floodOrder([1, 2, 3, 4, OFPP_LOCAL]).map((p, i) => [p, i]));
      const sortedInBuckets = [...ovs].sort((x, y) => rank.get(x)! - rank.get(y)!);
      expect(r.result!.outputs).toEqual(sortedInBuckets);
    });
  }
});

describe('hash map shape (OVS hmap)', () => {
  it('grows to 4 buckets at 2 entries, 8 at 8, 16 at 16', () => {
    expect([1, 2, 7, 8, 15, 16].map(hmapMask)).toEqual([0, 3, 3, 7, 7, 15]);
  });
});

describe('MAC learning', () => {
  const A = 0x02000000a01n;
  it('forgets an entry after mac-aging-time (300 s)', () => {
    const t = new MacTable();
    expect(t.learn(A, 0, 1, 0)).toBe('moved');
    expect(t.learn(A, 0, 1, 1000)).toBe('refreshed');
    expect(t.lookup(A, 0, 1000 + MAC_AGING_MS - 1)).toBe(1);
    expect(t.lookup(A, 5, 1000)).toBe(null);
    expect(t.lookup(A, 0, 1000 + MAC_AGING_MS)).toBe(null);
  });

  const tcp = (inPort: number, src: string, dst: string) => parsePacket(
    `tcp,in_port=${inPort},dl_src=${src},dl_dst=${dst},nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2`);
  const bridge = () => buildPipeline(readFlows('priority=0 actions=NORMAL', 'flows.txt').flows, {
    ports: { ofPorts: new Set([1, 2, 3]), dpPorts: new Map(), local: 100 },
  });

  it('a packet with side effects teaches the bridge where its source is; a plain trace does not', () => {
    const a = '02:00:00:00:0a:01', b = '02:00:00:00:0b:01';
    const pp = bridge();
    runPacket({ pipeline: pp, learn: false }, tcp(1, a, b), 0);
    expect(runPacket({ pipeline: pp, learn: false }, tcp(2, b, a), 0).outputs).toEqual([1, 3, OFPP_LOCAL]);
    runPacket({ pipeline: pp, learn: true }, tcp(1, a, b), 0);
    expect(runPacket({ pipeline: pp, learn: false }, tcp(2, b, a), 1000).outputs).toEqual([1]);
    expect(runPacket({ pipeline: pp, learn: false }, tcp(2, b, a), MAC_AGING_MS).outputs).toEqual([1, 3, OFPP_LOCAL]);
  });

  it('fails, naming --ports, when the bridge\'s ports are not known', () => {
    const pp = buildPipeline(readFlows('priority=0 actions=NORMAL', 'flows.txt').flows);
    expect(() => runPacket({ pipeline: pp }, tcp(1, '02:00:00:00:0a:01', '02:00:00:00:0b:01'), 0)).toThrow(/NORMAL.*--ports/);
  });
});
