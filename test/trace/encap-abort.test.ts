// A pending encap() that a clone() took the header of, committed on the L3 packet: real
// ovs-vswitchd 3.1 dies there (ofproto/trace of it, recorded with
// test/tools/record-trace.mjs in test/oracle/trace-mpls-prereq/aborts/, lost the daemon:
// "transaction error (End of file)"). ctflow's run stops with VswitchdAbort instead of
// pretending the switch forwarded the packet.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket } from '../../src/packet/packet.js';
import { VswitchdAbort } from '../../src/pipeline/action-set.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';

const DIR = join(import.meta.dirname, '../oracle/trace-mpls-prereq/aborts');
const cases = readdirSync(DIR).sort();

/** Cases ctflow does not reach the abort of yet, and why. */
const NOT_YET = new Map<string, string>([]);

function run(dir: string): void {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const flows = readFlows(read('flows.txt'), 'flows.txt', { ofVersion: 13 });
  if (flows.diagnostics.length) throw new Error(flows.diagnostics[0].message);
  const pipeline = buildPipeline(flows.flows, { ofVersion: 13, ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 } });
  runPacket({ pipeline }, parsePacket(read('packet.txt').trim()), 0);
}

describe('an encap() pending after its clone() is gone (ovs-vswitchd 3.1 aborts)', () => {
  it('has the recorded cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));
  for (const c of cases) {
    it(`${c}: ofproto/trace lost the daemon; ctflow stops with the abort`, () => {
      expect(readFileSync(join(DIR, c, 'trace.txt'), 'utf8')).toContain('ovs-appctl: ovs-vswitchd: transaction error (End of file)');
      if (NOT_YET.has(c)) expect(() => run(join(DIR, c))).not.toThrow(VswitchdAbort);
      else expect(() => run(join(DIR, c))).toThrow(VswitchdAbort);
    });
  }
});
