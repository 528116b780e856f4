// `ctflow run`'s verdict for a packet OVS's kernel datapath dropped at a failed ct(): the
// ct() committed nothing (the module freed the packet in ovs_ct_execute), so the verdict
// must not say `+commit`. Recorded: kernel-nat/nat-snat-port-kept (Linux 6.18 nf_nat, the
// fourth client port finds the NAT range full and is dropped); the tables are
// test/oracle/ct-fail/example.flows (see its README for why they stand for OVS's module).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack, type Profile } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { renderJson, verdictLine } from '../../src/conversation/render.js';
import { Replay, type PacketVerdict } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { ORACLE } from '../conntrack/oracle-replay.js';

const DIR = join(ORACLE, 'ct-fail');

function replay(profile: Profile): PacketVerdict[] {
  const flows = readFlows(readFileSync(join(DIR, 'example.flows'), 'utf8'), 'example.flows');
  const conv = readConversation(readFileSync(join(DIR, 'example.conv'), 'utf8'), 'example.conv');
  expect([...flows.diagnostics, ...conv.diagnostics]).toEqual([]);
  const r = new Replay({ pipeline: buildPipeline(flows.flows), conntrack: newConntrack({ profile }), trace: false });
  return conv.packets.map((p) => r.send(p));
}

describe('run verdict of a ct() the kernel datapath failed', () => {
  const recorded = JSON.parse(readFileSync(join(ORACLE, 'kernel-nat', 'nat-snat-port-kept', 'result.json'), 'utf8'));
  const kernel = replay('kernel');

  it('the dropped packet is the recorded one', () => {
    expect(kernel.map((v) => v.result.outputs.length > 0)).toEqual(recorded.steps.map((s: { delivered: boolean }) => s.delivered));
  });

  it('text: the failed commit is not shown as `+commit`', () => {
    const lines = kernel.map((v, i) => verdictLine(v, i).replace(/^.*\| ct: (.*?) \| .*$/, '$1'));
    expect(lines).toEqual([
      'zone 1: new|trk|snat+commit', 'zone 1: new|trk|snat+commit', 'zone 1: new|trk|snat+commit',
      'zone 1: inv|trk (commit failed)',
    ]);
  });

  it('--json: the call asked to commit and failed', () => {
    const doc = renderJson(kernel) as { packets: Array<{ ct_calls: unknown[] }> };
    expect(doc.packets.map((p) => p.ct_calls)).toEqual([
      ...[0, 1, 2].map(() => [{ zone: 1, commit: true, failed: false, ct_state: 'new|trk|snat' }]),
      [{ zone: 1, commit: true, failed: true, ct_state: 'inv|trk' }],
    ]);
  });

  it('userspace (OVS 3.1 never fails a ct() this way): the same packet commits', () => {
    const user = replay('userspace');
    expect(verdictLine(user[3], 3)).toContain('| ct: zone 1: new|trk+commit | output 2');
  });
});
