// A file's matches keep their values packed in the order of their shared masks map: read
// through the Map interface they must give exactly what the match was built with, and a
// shared match refuses to be changed.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { buildFlow } from '../../src/model/flow.js';
import { parseFlowSyntax } from '../../grammar/parse.js';
import { PackedValues, cloneMatch, setField, fieldByName } from '../../src/model/match.js';

const LINES = [
  'table=1,priority=100,metadata=0x3,reg15=0x2,ip,nw_dst=10.0.0.5,actions=drop',
  'table=1,priority=100,metadata=0x4,reg15=0x2,ip,nw_dst=10.0.0.6,actions=drop',
  'priority=5,tcp,tp_dst=80,dl_vlan=7,ct_state=+trk-est/+trk+est,actions=drop',
];

describe('packed match values', () => {
  const flows = readFlows(LINES.join('\n'), 'f').flows;
  it('read as the values each flow was built with, alone', () => {
    for (const [i, f] of flows.entries()) {
      expect(f.match.values).toBeInstanceOf(PackedValues);
      const alone = buildFlow(parseFlowSyntax(LINES[i]), { ports: new Map() }).match;
      expect(new Map(f.match.values)).toEqual(alone.values);
      expect(f.match.values.size).toBe(alone.values.size);
      for (const [k, v] of alone.values) { expect(f.match.values.get(k)).toBe(v); expect(f.match.values.has(k)).toBe(true); }
      expect(f.match.values.get('tun_id')).toBeUndefined();
      const seen: string[] = [];
      f.match.values.forEach((_v, k) => seen.push(k));
      expect(seen).toEqual([...f.match.masks.keys()].filter((k) => alone.values.has(k)));
    }
  });
  it('two flows with the same masks share them, not their values', () => {
    expect(flows[0].match.masks).toBe(flows[1].match.masks);
    expect(flows[0].match.values.get('metadata')).toBe(3n);
    expect(flows[1].match.values.get('metadata')).toBe(4n);
  });
  it('refuse writes; a clone takes them', () => {
    expect(() => flows[0].match.values.set('metadata', 9n)).toThrow(/never changed/);
    const c = cloneMatch(flows[0].match);
    setField(c, fieldByName('metadata')!, 9n, 0xffffffffffffffffn);
    expect(c.values.get('metadata')).toBe(9n);
    expect(flows[0].match.values.get('metadata')).toBe(3n);
  });
});
