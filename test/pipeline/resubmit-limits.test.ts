// OVS's two resubmit limits (64 levels of nesting, 4096 resubmits per translation) stop a
// translation after an exact number of lookups. ctflow follows a resubmit that ends a
// flow's actions, and a goto_table, as a loop rather than a nested call (xlate.ts) while
// still counting one level each: the recorded ofproto/trace output of real OVS 3.1 says how
// many lookups happen before the limit and which limit stops it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket } from '../../src/packet/packet.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';

const CASES = join(import.meta.dirname, '../oracle/trace/cases');

describe('resubmit limits as recorded', () => {
  // Tail resubmits only (a loop of two tables, a self loop after an output), and nested
  // ones with an output after them (64 × 64 fan-out).
  it.each(['resubmit-loop-limit', 'resubmit-self-loop-with-output', 'resubmit-fanout-many'])('%s', (name) => {
    const dir = join(CASES, name);
    const ovs = readFileSync(join(dir, 'trace.txt'), 'utf8');
    const lookups = ovs.match(/^ *\d+\. /gm)!.length;
    const limit = /^ *>>>> (.*) <<<<$/m.exec(ovs)![1];
    const flows = readFlows(readFileSync(join(dir, 'flows.txt'), 'utf8'), 'flows.txt');
    const pipeline = buildPipeline(flows.flows, { ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 } });
    const r = runPacket({ pipeline }, parsePacket(readFileSync(join(dir, 'packet.txt'), 'utf8').trim()), 0);
    const events = r.trace.passes[0].events;
    expect(events.filter((e) => e.kind === 'table').length).toBe(lookups);
    expect(events.filter((e) => e.kind === 'error').map((e) => (e as { text: string }).text)).toEqual([limit]);
    expect(r.datapathActions).toEqual(['drop']);
  });
});
