// Where ofproto/trace prints what a resumed pass restores, recorded from real OVS 3.1
// (`ofproto/trace recirc_id=N,dp_hash=H,…` after a dp_hash select group froze the
// translation: test/oracle/dp-hash/*, test/oracle/actset-freeze/dp-hash-set-*). OVS puts
// `Resuming from table`, `Restoring action set` and `Restoring actions` under the `thaw`
// node as nodes that may hold children: the last one of them is not indented as a node
// with a later sibling, so `Restoring actions:` stands 4 columns left of the set's line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { formatTraceText } from '../../src/trace/text.js';

const ORACLE = join(import.meta.dirname, '..', 'oracle');
const cases = ['dp-hash', 'actset-freeze'].flatMap((d) => readdirSync(join(ORACLE, d))
  .filter((c) => existsSync(join(ORACLE, d, c, 'resumed-traces.txt'))).map((c) => `${d}/${c}`)).sort();

/** ctflow's trace of the case's packet, replayed as `ctflow run` does (the thawed pass has the datapath's dp_hash). */
function traceOf(dir: string): string {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const flowsText = read('flows.txt');
  const proto = /^#\s*protocol:\s*OpenFlow1(\d)/m.exec(flowsText);
  const ofVersion = proto ? 10 + Number(proto[1]) : 10;
  const flows = readFlows(flowsText, 'flows.txt', { ofVersion });
  const groups = readGroups(read('groups.txt'), 'groups.txt');
  const conv = readConversation(`@0 ${read('packet.txt').trim()}\n`, 'packet');
  expect([...flows.diagnostics, ...groups.diagnostics, ...conv.diagnostics]).toEqual([]);
  const pipeline = buildPipeline(flows.flows, { groups: groups.groups, ofVersion, ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 } });
  const replay = new Replay({ pipeline, conntrack: newConntrack({ profile: 'userspace' }), trace: true });
  return formatTraceText(replay.send(conv.packets[0]).result.trace, 'br0');
}

/** The thaw node and its children, exactly as printed (leading spaces kept). */
const thawLines = (t: string) => t.split('\n').filter((l) => /^ *(thaw|Resuming from table |Restoring action)/.test(l)).map((l) => l.trimEnd());

describe('the thaw node of a resumed pass, column for column', () => {
  it('has the recorded cases, some restoring an action set', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
    expect(cases).toEqual(expect.arrayContaining(['actset-freeze/dp-hash-set-at-limit', 'dp-hash/clone']));
  });

  it.each(cases)('%s', (c) => {
    const want = thawLines(readFileSync(join(ORACLE, c, 'resumed-traces.txt'), 'utf8'));
    expect(want).toContainEqual(expect.stringMatching(/^ {8}Restoring actions: /));
    // The recording traces the group's resumed pass alone (not a ct() recirculation before it).
    const resumed = traceOf(join(ORACLE, c)).split(/^={79}$/m).map(thawLines).filter((ls) => ls.some((l) => l.includes('Restoring actions:')));
    expect(resumed).toEqual([want]);
  });
});
