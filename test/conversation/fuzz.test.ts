// The reader never throws on any text: every line becomes a packet or a diagnostic whose
// position lies inside the line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConversation } from '../../src/conversation/read.js';

const GOOD = '@0.5 tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2,tcp_flags=syn  seq=1 ack=0 win=100 len=0';
const ICMP = '+1 icmp,icmp_type=3,icmp_code=3  inner=[proto=17,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=5,tp_dst=6]';

describe('readConversation on arbitrary input', () => {
  it('mutated recorded lines give packets or in-line diagnostics, never an exception', () => {
    const mutated = fc.tuple(fc.constantFrom(GOOD, ICMP), fc.nat(), fc.nat(8), fc.string({ maxLength: 6 }))
      .map(([line, at, cut, ins]) => { const i = at % (line.length + 1); return line.slice(0, i) + ins + line.slice(i + cut); });
    fc.assert(fc.property(fc.array(fc.oneof(mutated, fc.string({ maxLength: 40 })), { maxLength: 5 }), (lines) => {
      const c = readConversation(lines.join('\n'), 'f.conv');
      for (const d of c.diagnostics) {
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.col - 1).toBeLessThanOrEqual(d.lineText.length);
        expect(d.message.length).toBeGreaterThan(0);
      }
      for (let i = 1; i < c.packets.length; i++) expect(c.packets[i].timeMs).toBeGreaterThanOrEqual(c.packets[i - 1].timeMs);
    }), { numRuns: 2000 });
  });
});
