// Select groups that use the datapath's dp_hash, replayed with a tracker as `ctflow run`
// replays packets, against real OVS 3.1 on the userspace datapath
// (test/oracle/dp-hash/, see its README): the pass that meets the group ends with
// hash(...),recirc(N); the recirculated pass carries the dp_hash the datapath computed and
// resumes the frozen actions at the group. Checked per case: the datapath actions of
// every pass (the megaflows OVS installed, chained from recirc_id(0)), the dp_hash value
// in the resumed megaflow's key, and the resumed pass as `ofproto/trace recirc_id=N,
// dp_hash=H,…` shows it (restored actions, restored states, bucket, final flow).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import type { TracePass } from '../../src/trace/events.js';
import { formatTraceText } from '../../src/trace/text.js';

const DIR = join(import.meta.dirname, '..', 'oracle', 'dp-hash');
const cases = readdirSync(DIR).filter((c) => !c.includes('.')).sort();
const read = (c: string, f: string) => readFileSync(join(DIR, c, f), 'utf8');

interface Megaflow { key: string; actions: string }

/** The installed megaflows in pass order: from recirc_id(0) along each `recirc(ID)`. */
function chain(dump: string): Megaflow[] {
  const byId = new Map<string, Megaflow>();
  for (const line of dump.split('\n').slice(1).filter(Boolean)) {
    const id = /recirc_id\((0x[0-9a-f]+|0)\)/.exec(line)![1];
    byId.set(id, { key: line.slice(0, line.indexOf(', packets:')), actions: line.slice(line.indexOf(' actions:') + 9) });
  }
  const out: Megaflow[] = [];
  for (let id: string | undefined = '0'; id !== undefined && byId.has(id);) {
    out.push(byId.get(id)!);
    id = /recirc\((0x[0-9a-f]+)\)/.exec(byId.get(id)!.actions)?.[1]; // hash(),recirc() may be followed by outputs
  }
  return out;
}

function replayCase(c: string) {
  const flowsText = read(c, 'flows.txt');
  const proto = /^#\s*protocol:\s*OpenFlow1(\d)/m.exec(flowsText);
  const flows = readFlows(flowsText, 'flows.txt', { ofVersion: proto ? 10 + Number(proto[1]) : 10 });
  const groups = readGroups(read(c, 'groups.txt'), 'groups.txt');
  expect([...flows.diagnostics, ...groups.diagnostics]).toEqual([]);
  const pipeline = buildPipeline(flows.flows, {
    groups: groups.groups, of15: proto !== null && Number(proto[1]) >= 5,
    ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 },
  });
  // The frame sent (packet.hex): a TCP SYN, seq 1000, window 64240, no payload.
  const conv = readConversation(`@0 ${read(c, 'packet.txt').trim()} seq=1000 ack=0 win=64240 len=0\n`, 'packet');
  expect(conv.diagnostics).toEqual([]);
  const replay = new Replay({ pipeline, conntrack: newConntrack({ profile: 'userspace' }), trace: true });
  return replay.send(conv.packets[0]).result;
}

/**
 * The lines of the resumed pass's trace that say what thawing did, and the flow it ended
 * with (`Final flow: unchanged` stands for the `Flow:` line: ofproto/trace was given the
 * datapath's packet, whose ct_state the thaw clears when a ct() ran before the freeze;
 * ctflow's pass starts from the cleared packet).
 */
function thawLines(text: string): string[] {
  const lines = text.split('\n');
  const flow = lines.find((l) => l.startsWith('Flow: '))!.slice(6);
  return lines
    .filter((l) => /^\s*(Restoring actions:|unroll_xlate\(|restored state:| -> using bucket|Final flow:|Datapath actions:)/.test(l))
    .map((l) => (l === 'Final flow: unchanged' ? `Final flow: ${flow}` : l.trim()));
}

const dpHashOf = (p: TracePass): string | undefined => /(?:^|,)dp_hash=(0x[0-9a-f]+)/.exec(p.flow)?.[1];

describe('dp_hash select groups: the extra pass real OVS makes (userspace datapath)', () => {
  it('has the recorded cases', () => expect(cases.length).toBe(8));

  for (const c of cases) {
    it(`${c}: datapath actions of every pass, dp_hash, and the resumed pass's trace`, () => {
      const result = replayCase(c);
      const want = chain(read(c, 'datapath-flows.txt'));
      expect(want.length).toBeGreaterThanOrEqual(2);
      expect(result.datapathActions).toEqual(want.map((m) => m.actions));
      const passes = result.trace.passes;
      // Each megaflow keyed on dp_hash: the pass in that position ran with the same value.
      want.forEach((m, i) => {
        const h = /dp_hash\((0x[0-9a-f]+)\//.exec(m.key)?.[1];
        expect(dpHashOf(passes[i]), `pass ${i} dp_hash`).toBe(h);
      });
      // The resumed passes, as ofproto/trace shows them with recirc_id/dp_hash given.
      const recorded = read(c, 'resumed-traces.txt').split(/^\$ .*$/m).slice(1);
      const resumed = passes.filter((p) => dpHashOf(p) !== undefined);
      expect(resumed.length).toBe(recorded.length);
      resumed.forEach((p, i) => {
        const ours = thawLines(formatTraceText({ passes: [p] }));
        expect(ours).toEqual(thawLines(recorded[i]));
      });
    });
  }
});
