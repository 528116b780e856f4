// Bad input: every line real ovs-ofctl refuses is refused, with file:line:col, the line,
// a caret under the offending text and a near-miss suggestion where one exists.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/parse/diagnostic.js';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_PORTS, loadCorpus } from '../helpers/corpus.js';
import { addedWith } from './corpus-lines.js';

/** Refusals that depend on the switch rather than the flow text. */
const SWITCH_STATE = new Map<string, string>([
  ['tun_metadata4=1 actions=drop', 'depends on the switch\'s Geneve TLV map, which a flow file does not carry'],
  ['actions=learn(tun_metadata0=tun_metadata0,load:0x1->reg0)', 'depends on the TLV map\'s option length'],
  ['priority=5,ip actions=output:1 # trailing text is not a comment for add-flow', 'a flow *file* strips # comments, as add-flows does'],
  ['actions=decap()', 'refused only over OpenFlow 1.0; real OVS takes it with -O OpenFlow13'],
  ['actions=decap', 'refused only over OpenFlow 1.0; real OVS takes it with -O OpenFlow13'],
  ['actions=decap(packet_type(ns=0,type=0))', 'refused only over OpenFlow 1.0'],
  ['actions=decap(packet_type(ns=1,type=0x800))', 'refused only over OpenFlow 1.0'],
  ['dl_type=0x894f,actions=dec_nsh_ttl', 'refused only over OpenFlow 1.0'],
  ['actions=group:99', 'group 99 did not exist on the recording switch'],
  ['actions=meter:9', 'meter 9 did not exist on the recording switch'],
]);

describe('lines real ovs-ofctl refuses', () => {
  const refused = loadCorpus('errors').filter((e) => e.error && !SWITCH_STATE.has(e.input));
  it.each(refused.map((e) => [e.input, e] as const))('%s', (input, e) => {
    // Read as added with the recording's protocol (-O OpenFlow12 refuses what 1.0 takes).
    const r = readFlows(input, 'bad.flows', { ports: CORPUS_PORTS, ofVersion: addedWith(e) });
    expect(r.flows).toEqual([]);
    expect(r.diagnostics.length).toBe(1);
    const d = r.diagnostics[0];
    expect(d.line).toBe(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.col + d.len - 1).toBeLessThanOrEqual(input.length + 1);
  });
});

describe('diagnostics', () => {
  it('point at the bad ct_state flag and suggest the near miss', () => {
    const text = '# acl\npriority=100,ct_state=+trk+estb,ip actions=resubmit(,44)\n';
    const r = readFlows(text, 'flows/acl.txt');
    expect(formatDiagnostic(r.diagnostics[0])).toBe(
      "flows/acl.txt:2:28: unknown ct_state flag 'estb' (did you mean 'est'?)\n" +
      '  priority=100,ct_state=+trk+estb,ip actions=resubmit(,44)\n' +
      '                             ^^^^');
  });

  it('report every bad line of a file and keep the good ones', () => {
    const text = [
      'table=0,priority=10,ip actions=output:1',
      'table=0,priority=9,tcp,tp_dts=80 actions=drop',
      'table=1,priority=5 actions=resubmt(,2)',
      'table=1,priority=1 actions=drop',
      'table=2,in_port=1 actions=ct(force)',
    ].join('\n');
    const r = readFlows(text, 'f');
    expect(r.flows.map((f) => f.line)).toEqual([1, 4]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      "2:24: unknown keyword tp_dts (did you mean 'tp_dst'?)",
      "3:28: unknown action resubmt (did you mean 'resubmit'?)",
      expect.stringMatching(/^5:\d+: "force" flag requires "commit" flag/),
    ]);
  });

  it('name what was expected after a syntax error', () => {
    const r = readFlows('priority=1,ip actions=output:1,(', 'f');
    expect(r.diagnostics[0].col).toBe(32);
    expect(r.diagnostics[0].message).toMatch(/^unexpected '\(', expected /);
  });

  it('refuse a flow without actions', () => {
    const r = readFlows('priority=1,ip', 'f');
    expect(r.diagnostics[0].message).toMatch(/must specify an action/);
  });
});

describe('the same words as ovs-ofctl where its message is about the flow text', () => {
  // ovs-ofctl prints `ovs-ofctl: [FILE:LINE: ]MESSAGE`; these lines' MESSAGE is ctflow's too.
  const SAME_WORDS = [
    'actions=meter:0', 'actions=meter:4294901761', 'actions=encap(nsh(md_type=3))', 'actions=encap(nsh(md_type=0))',
    '"in_port"=1,actions=drop', 'priority=1,"ip",actions=drop', 'actions="output":1', 'actions="drop"',
  ];
  const recorded = new Map(loadCorpus('errors').map((e) => [e.input, e] as const));
  const nested = [...recorded.keys()].filter((k) => k.includes('clone('.repeat(49)));
  it.each([...SAME_WORDS, ...nested].map((input) => [input.slice(0, 60), input] as const))('%s', (_short, input) => {
    const e = recorded.get(input)!;
    expect(e.error, 'recorded as refused').toBeTruthy();
    const r = readFlows(input, 'bad.flows', { ports: CORPUS_PORTS, ofVersion: addedWith(e) });
    expect(r.diagnostics.map((d) => d.message)).toEqual([e.error!.replace(/^ovs-ofctl: (?:[^:]+:\d+: )?/, '').trim()]);
  });
  it('takes 99 levels of nested action lists, as ovs-ofctl does', () => {
    const input = `actions=${'clone('.repeat(99)}drop${')'.repeat(99)}`;
    const e = loadCorpus('actions').find((x) => x.input === input)!;
    expect(e.error).toBeFalsy();
    expect(readFlows(input, 'deep.flows').diagnostics).toEqual([]);
  });
});
