// The action set (write_actions) takes the actions whose spec declares an actionSetRank.
// OVS refuses most others there (OFPBAC_BAD_TYPE) and runs ct, ct_clear and resubmit by a
// "final action" rule ctflow does not emulate: a run meeting one fails, naming it, rather
// than running it in some other order. The ordering itself is held to recorded traces
// (test/oracle/trace/cases/write-actions-*).
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket } from '../../src/packet/packet.js';
import { ExecError } from '../../src/pipeline/exec.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';

const PACKET = 'tcp,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=40000,tp_dst=80';

function run(actions: string) {
  const text = `# protocol: OpenFlow13\ntable=0,priority=100,tcp,in_port=1 actions=${actions}\n`;
  const flows = readFlows(text, 'flows.txt');
  expect(flows.diagnostics).toEqual([]);
  return runPacket({ pipeline: buildPipeline(flows.flows) }, parsePacket(PACKET), 0);
}

describe('what the action set takes', () => {
  it('a ranked action runs', () => {
    expect(run('write_actions(output:2)').datapathActions).toEqual(['2']);
  });

  it.each([
    ['ct(commit)', 'ct'], ['ct_clear', 'ct_clear'], ['resubmit(,1)', 'resubmit'], ['note:01', 'note'], ['push:NXM_NX_REG0[]', 'push'],
  ])('write_actions(%s,output:2) fails naming %s', (action, name) => {
    expect(() => run(`write_actions(${action},output:2)`)).toThrow(ExecError);
    expect(() => run(`write_actions(${action},output:2)`)).toThrow(`${name} in an action set (write_actions) is not supported`);
  });
});
