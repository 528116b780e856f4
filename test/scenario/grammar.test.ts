// The scenario file format: every directive and expectation form reads (exactly one parse
// of grammar/conversation.ne), and every bad line is reported at file:line:col with what
// was wrong, near-miss names suggested, all errors of the file at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countLineParses, parseLine } from '../../src/conversation/line.js';
import { readScenarioHeader, readScenarios } from '../../src/conversation/scenario.js';
import { ROOT } from './helpers.js';

const PORTS = new Map([['vm1', 1], ['vm2', 2]]);
const PKT = '@0 udp,in_port=vm1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2 len=8';

describe('conversation grammar', () => {
  const lines = [
    PKT, '+0.5 tcp  seq=1', 'tcp,in_port=1', '@1', 'flows ../ovn-acl.flows', 'groups g', 'ports vm1=1,vm2=2',
    'profile userspace', 'sysctl nf_conntrack_tcp_loose=0', 'conntrack saved.ct', 'controller', 'scenario http allowed',
    'expect output vm2', 'expect output vm2, vm3 vm4', 'expect output vm2 nw_dst=10.0.0.12,nw_ttl=63', 'expect drop', 'expect controller',
    'expect ct_state=+trk+est', 'expect tcp,reg0=0x1/0x1', 'expect pass 2 ct_state=+new-est+trk,ct_mark=0/0x1', 'expect pass last reg13=8',
    'expect table 46 flow at line 500', 'expect table 46 line 500', 'expect table 20 cookie 0xd42f3e74', 'expect table 69 miss',
    'expect conntrack zone=8 tcp ESTABLISHED count=1', 'expect conntrack udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 zone=1 use=1',
    '   expect drop   ', '@0.9 flows ../acl-change/deleted.flows', '+1 flows x.flows', '@2 flows',
  ];
  it.each(lines)('%s: exactly one parse', (l) => expect(countLineParses(l)).toBe(1));

  it('gives each line its kind and the spans of its parts', () => {
    expect(parseLine('  flows ../a.flows')).toEqual({ kind: 'directive', name: { text: 'flows', start: 2, end: 7 }, arg: { text: '../a.flows', start: 8, end: 18 } });
    expect(parseLine('scenario ping  ')).toEqual({ kind: 'scenario', name: { text: 'ping', start: 9, end: 13 } });
    expect(parseLine('@0.5 udp len=8')).toEqual({ kind: 'packet', time: { text: '@0.5', start: 0, end: 4 }, text: { text: 'udp len=8', start: 5, end: 14 } });
    expect(parseLine('expect output vm2,vm3 nw_ttl=63')).toMatchObject({
      kind: 'expect', span: { start: 0, end: 31 },
      what: { kind: 'output', ports: [{ text: 'vm2' }, { text: 'vm3' }], fields: { text: 'nw_ttl=63', start: 22 } },
    });
    expect(parseLine('expect pass 3 ct_mark=0x2')).toMatchObject({ what: { kind: 'fields', pass: { text: '3' }, text: { text: 'ct_mark=0x2' } } });
    expect(parseLine('expect table 46 flow at line 500')).toMatchObject({ what: { kind: 'table', table: { text: '46' }, by: 'line', value: { text: '500' } } });
    expect(parseLine('expect conntrack zone=1 count=0')).toMatchObject({ what: { kind: 'conntrack', text: { text: 'zone=1 count=0' } } });
    expect(parseLine('@0.9 flows ../d.flows')).toEqual({
      kind: 'flows', time: { text: '@0.9', start: 0, end: 4 }, keyword: { text: 'flows', start: 5, end: 10 }, path: { text: '../d.flows', start: 11, end: 21 },
    });
    // After a time, only the whole word `flows` is a table change.
    expect(parseLine('@1 flowsx')).toMatchObject({ kind: 'packet', text: { text: 'flowsx' } });
  });
});

describe('scenario header', () => {
  it('reads every directive', () => {
    const { header, diagnostics } = readScenarioHeader(
      'flows a.flows\ngroups a.groups\nports vm1=1\nprofile userspace\nsysctl nf_conntrack_tcp_timeout_established=100\nconntrack a.ct\ncontroller\n' + PKT,
      's.scenario');
    expect(diagnostics).toEqual([]);
    expect(header).toMatchObject({
      flows: { text: 'a.flows', line: 1, start: 6 }, groups: { text: 'a.groups' }, ports: { text: 'vm1=1' }, conntrack: { text: 'a.ct', line: 6 },
      profile: 'userspace', controller: true,
    });
    expect([...header.sysctls]).toEqual([['nf_conntrack_tcp_timeout_established', '100']]);
  });

  const bad: Array<[string, string, string]> = [
    ['flows a\nprofle userspace\n' + PKT, 's.scenario:2:1', "unknown directive 'profle' (did you mean 'profile'?)"],
    ['flows a\nprofile userpsace', 's.scenario:2:9', "unknown profile 'userpsace' (did you mean 'userspace'?) (kernel or userspace)"],
    ['flows a\nflows b', 's.scenario:2:1', "'flows' given twice"],
    ['flows a\ncontroller yes', 's.scenario:2:12', "'controller' takes no argument"],
    ['flows a\nsysctl loose', 's.scenario:2:8', "expected NAME=VALUE, got 'loose'"],
    ['flows a\ngroups', 's.scenario:2:7', "'groups' needs a file"],
    ['groups g', 's.scenario:1:1', "no 'flows' directive: a scenario file names its flow table (flows PATH); directives: flows, groups, ports, profile, sysctl, conntrack, controller"],
    ['flows a\n' + PKT + '\nexpect drop\nports vm1=1', 's.scenario:4:1', "'ports' after the first packet or scenario: directives belong in the header, before them"],
  ];
  it.each(bad)('%j → %s', (text, where, message) => {
    const h = readScenarioHeader(text, 's.scenario').diagnostics;
    const b = readScenarios(text, 's.scenario', { ports: PORTS, profile: 'kernel' }).diagnostics;
    const d = [...h, ...b].find((x) => x.message === message);
    expect(d, JSON.stringify([...h, ...b].map((x) => x.message))).toBeDefined();
    expect(`${d!.file}:${d!.line}:${d!.col}`).toBe(where);
  });

  it('checks sysctl names against the final profile, at their line', () => {
    const d = readScenarioHeader('flows a\nsysctl nf_conntrack_tcp_be_liberal=1\nsysctl nf_conntrack_tcp_lose=0\nprofile kernel', 's').diagnostics;
    expect(d.map((x) => `${x.line}:${x.col}`)).toEqual(['3:8']);
    expect(d[0].message).toMatch(/nf_conntrack_tcp_lose.*nf_conntrack_tcp_loose/);
  });
});

describe('scenario body', () => {
  const read = (body: string, profile: 'kernel' | 'userspace' = 'kernel') => readScenarios('flows a\n' + body, 's.scenario', { ports: PORTS, profile });

  it('groups packets and expectations into named scenarios, each from time 0', () => {
    const { scenarios, diagnostics } = read([PKT, 'expect drop', 'scenario two', '@1 udp,in_port=2 len=8', 'expect output vm1 vm2', '+1 udp len=8', 'expect conntrack count=0'].join('\n'));
    expect(diagnostics).toEqual([]);
    expect(scenarios.map((s) => [s.name, s.line, s.steps.map((x) => [x.packet.line, x.packet.timeMs, x.expects.map((e) => e.kind)])])).toEqual([
      ['s', 0, [[2, 0, ['drop']]]],
      ['two', 4, [[5, 1000, ['output']], [7, 2000, ['conntrack']]]],
    ]);
    const e = scenarios[1].steps[0].expects[0];
    expect(e).toMatchObject({ kind: 'output', ports: [1, 2], frames: null, line: 6, start: 0, text: 'expect output vm1 vm2' });
  });

  const bad: Array<[string, string, string]> = [
    ['expect drop', 's.scenario:2:1', "'expect' before any packet: an expectation follows the packet it is about"],
    [`${PKT}\nexpect outptu vm2`, 's.scenario:3:8', "unknown expectation 'outptu' (did you mean 'output'?)"],
    [`${PKT}\nexpect dropp`, 's.scenario:3:8', "unknown expectation 'dropp' (did you mean 'drop'?)"],
    [`${PKT}\nexpect nothing`, 's.scenario:3:8', "unknown expectation 'nothing' (expected output, drop, controller, pass, table, conntrack or FIELD=VALUE)"],
    [`${PKT}\nexpect ct_stat=+trk`, 's.scenario:3:8', "unknown field ct_stat (did you mean 'ct_state'?)"],
    [`${PKT}\nexpect ct_state=+trk+estb`, 's.scenario:3:22', "unknown ct_state flag 'estb' (did you mean 'est'?)"],
    [`${PKT}\nexpect output vm9`, 's.scenario:3:15', "vm9: invalid or unknown port (did you mean 'vm1'?)"],
    [`${PKT}\nexpect drop now`, 's.scenario:3:13', "unexpected 'now', expected the end of the line"],
    [`${PKT}\nexpect table 46 lin 3`, 's.scenario:3:17', "unexpected 'lin', expected 'flow' or 'line' or 'cookie' or 'miss'"],
    [`${PKT}\nexpect table 300 miss`, 's.scenario:3:14', 'table 300 is out of range (0-254)'],
    [`${PKT}\nexpect pass 0 reg0=1`, 's.scenario:3:13', 'passes count from 1 (the packet as received)'],
    [`${PKT}\nexpect pass x`, 's.scenario:3:13', "unexpected 'x', expected a pass number or `last`"],
    [`${PKT}\nexpect`, 's.scenario:3:7', "'expect' needs what to expect: output PORT..., drop, controller, FIELD=VALUE..., pass N FIELD=VALUE..., table N ..., conntrack ..."],
    [`${PKT}\nexpect reg0=1 actions=drop`, 's.scenario:3:15', 'an expectation has no actions'],
    [`${PKT}\nexpect conntrack zone=1 ESTABLISHD`, 's.scenario:3:25', "unknown conntrack filter 'ESTABLISHD' (did you mean 'ESTABLISHED'?) (filters: zone=N mark=N src=IP dst=IP sport=N dport=N count=N, a protocol, a state)"],
    [`${PKT}\nexpect conntrack zon=1`, 's.scenario:3:18', "unknown conntrack filter 'zon=' (did you mean 'zone'?)"],
    [`${PKT}\nexpect conntrack count=x`, 's.scenario:3:24', "count=: expected a number up to 1073741824, got 'x'"],
    [`${PKT}\nexpect conntrack tcp,orig=(src=1.1.1.1,dst=2.2.2.2,sport=1,dport=2),reply=(src=2.2.2.2,dst=1.1.1.1,sport=2,dport=1),zone=1`, 's.scenario:3:18',
      'a `dpctl/dump-conntrack` line, but this scenario runs the kernel profile (conntrack -L lines)'],
    [`${PKT}\nexpect conntrack udp  17 30 src=10.0.0.1 dst=10.0.0.x sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 zone=1`, 's.scenario:3:46', "'10.0.0.x' is not an IP address"],
    ['scenario a\nscenario a', 's.scenario:3:10', "scenario 'a' given twice"],
    [`scenario quiet\n${PKT}`, 's.scenario:2:10', "scenario 'quiet' has no expect lines (it could never fail)"],
    ['scenario empty', 's.scenario:2:10', "scenario 'empty' has no packets"],
    [`${PKT}\nexpect drop\nexpct drop`, 's.scenario:4:1', "unknown keyword 'expct' (did you mean 'expect'?)"],
    [`${PKT}\nexpect drop\n@1 flows`, 's.scenario:4:9', "'flows' needs a flow file (a path relative to this file)"],
    [`${PKT}\nexpect drop\n@1 flows d.flows`, 's.scenario:4:10', 'no packet after this table change: it would change nothing'],
    [`scenario a\n${PKT}\nexpect drop\n@1 flows d.flows\nscenario b\n${PKT}\nexpect drop`, 's.scenario:5:10', 'no packet after this table change: it would change nothing'],
    [`@2 udp len=8\nexpect drop\n@1 flows d.flows\n${PKT}`, 's.scenario:4:1', 'time @1 is before the previous line (2.000 s)'],
  ];
  it.each(bad)('%j → %s', (body, where, message) => {
    const d = read(body).diagnostics.find((x) => x.message === message);
    expect(d, JSON.stringify(read(body).diagnostics.map((x) => `${x.line}:${x.col} ${x.message}`))).toBeDefined();
    expect(`${d!.file}:${d!.line}:${d!.col}`).toBe(where);
  });

  it('mutated bundled scenarios give diagnostics, never an exception', () => {
    const text = readFileSync(join(ROOT, 'flows', 'scenarios', 'tcp-vm1-lb-vip.scenario'), 'utf8');
    const lines = text.split('\n');
    const bits = ['@', '+', ' ', ',', '=', 'x', '0', '#', '\\', '[', ']', '(', ')', 'expect ', 'pass ', 'table ', 'conntrack ', '/', '-', '"'];
    let seed = 7;
    const rnd = (n: number) => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 * n);
    for (let k = 0; k < 1500; k++) {
      const ls = lines.slice();
      const i = rnd(ls.length), pos = rnd(ls[i].length + 1), op = rnd(3), bit = bits[rnd(bits.length)];
      ls[i] = op === 0 ? ls[i].slice(0, pos) + bit + ls[i].slice(pos) : op === 1 ? ls[i].slice(0, pos) + ls[i].slice(pos + 1 + rnd(5)) : ls[i].slice(0, pos) + bit + ls[i].slice(pos + 1);
      const t = ls.join('\n');
      expect(() => { readScenarioHeader(t, 'm'); readScenarios(t, 'm', { ports: PORTS, profile: 'userspace' }); }, ls[i]).not.toThrow();
    }
  });

  it('reports every bad line of the file, keeps reading after each', () => {
    const d = read([PKT, 'expect outptu vm2', 'expect drop', 'udp,in_port=vm1 len=x', 'expect dorp', 'expect drop'].join('\n')).diagnostics;
    expect(d.map((x) => x.line)).toEqual([3, 5, 6]);
  });
});
