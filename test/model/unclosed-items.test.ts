// A match item left open by an unclosed ( [ or " is refused with an error at its place
// (ovs-ofctl refuses such lines too), never dropped from the flow.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';

describe('an unclosed match item', () => {
  it.each([
    ['in_port=1,foo(bar actions=drop', 11],
    ['in_port=1,"abc actions=drop', 11],
    [' cookie=0x1, table=2, n_packets=0, n_bytes=0, priority=5,reg0[1..2 actions=drop', 58],
  ])('%s', (text, col) => {
    const r = readFlows(text, 'x.flows');
    expect(r.flows).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0].col).toBeGreaterThanOrEqual(col);
  });
});
