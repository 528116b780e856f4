// Each expectation kind, once holding and once not, on the firewall of helpers.ts; and
// the bundled OVN scenarios broken by a flow change (the point of `ctflow test` in CI).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runTests } from '../../src/cli/test.js';
import { capture, DNS, folder, FW_FLOWS, FW_HEADER, ROOT, runText, verdicts } from './helpers.js';

afterEach(() => vi.restoreAllMocks());

/** Lines of the firewall header. */
const HEAD = FW_HEADER.split('\n').length - 1;

const UDP_ENTRY = 'udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 zone=1 use=1';

// [kind, packets sent (of DNS), an expectation that holds, one that does not, its expected, its got]
const CASES: Array<[string, number, string, string, string, string]> = [
  ['output', 1, 'expect output p2', 'expect output p1', 'output p1(1)', 'output p2(2)'],
  ['output with frame headers', 1, 'expect output p2 nw_ttl=63,nw_dst=10.0.0.2', 'expect output p2 nw_ttl=64', 'output p2(2) with nw_ttl=64', 'p2(2): nw_ttl=63'],
  ['drop', 3, 'expect drop', 'expect output p1', 'output p1(1)', 'drop (packet-in to the controller)'],
  ['drop (failing)', 2, 'expect output p1', 'expect drop', 'drop (no output)', 'output p1(1)'],
  ['controller', 3, 'expect controller', 'expect output p2', 'output p2(2)', 'drop (packet-in to the controller)'],
  ['controller (failing)', 2, 'expect output p1', 'expect controller', 'a packet-in (controller action)', 'output p1(1); datapath actions: ct(zone=1),recirc(0x1) | 1'],
  ['fields at the end of the last pass', 1, 'expect reg0=0x1/0x1,nw_ttl=63', 'expect reg0=0x2/0x2', 'reg0=0x2/0x2 at the end of the last pass', 'reg0=0x1'],
  ['fields as a pass started', 2, 'expect pass 2 ct_state=+est+rpl+trk', 'expect pass 2 ct_state=+new', 'ct_state=+new as pass 2 started',
    'ct_state=-new+est-rel+rpl-inv+trk-snat-dnat'],
  ['pass last', 1, 'expect pass last ct_state=+new+trk,ct_zone=1', 'expect pass 1 ct_state=+trk', 'ct_state=+trk as pass 1 started',
    'ct_state=-new-est-rel-rpl-inv-trk-snat-dnat'],
  ['a pass that never was', 1, 'expect pass 2 ct_zone=1', 'expect pass 3 ct_zone=1', 'ct_zone=1 as pass 3 started', 'the packet had 2 passes (no recirculation 2)'],
  ['table, by flow line', 1, 'expect table 1 flow at line 3', 'expect table 1 flow at line 5', 'table 1: the flow at line 5', 'table 1: line 3 (priority 10, cookie 0x0)'],
  ['table, by cookie', 2, 'expect table 1 cookie 0xbeef', 'expect table 1 cookie 0xbee', 'table 1: a flow with cookie 0xbee', 'table 1: line 4 (priority 10, cookie 0xbeef)'],
  ['table miss', 1, 'expect table 1 flow at line 3', 'expect table 1 miss', 'table 1: no flow (miss)', 'table 1: line 3 (priority 10, cookie 0x0)'],
  ['table not looked up', 1, 'expect table 0 line 1', 'expect table 7 miss', 'table 7: no flow (miss)', 'table 7 was not looked up'],
  ['conntrack filter', 1, 'expect conntrack zone=1 udp dst=10.0.0.2 dport=53 count=1', 'expect conntrack zone=2',
    'at least 1 entry matching zone=2', `0 matching; the table:\n      ${UDP_ENTRY}`],
  ['conntrack count', 1, 'expect conntrack count=1', 'expect conntrack count=0', '0 entries matching any', `1 matching; the table:\n      ${UDP_ENTRY}`],
  ['conntrack entry line (timeout column ignored)', 1, `expect conntrack ${UDP_ENTRY.replace(' 30 ', ' 1 ')}`, `expect conntrack ${UDP_ENTRY.replace(/53/g, '54')}`,
    "this entry in the table", `not there; the table:\n      ${UDP_ENTRY}`],
];

describe('expectations', () => {
  it.each(CASES)('%s: holds, and fails with what was expected and what happened', (_kind, n, good, bad, expected, got) => {
    const packets = DNS.slice(0, n);
    const pass = verdicts(FW_HEADER + [...packets, good].join('\n'));
    expect(pass.err).toBe('');
    expect(pass.failures).toEqual([]);
    expect(pass.code).toBe(0);
    const fail = verdicts(FW_HEADER + [...packets, good, bad].join('\n'));
    expect(fail.code).toBe(1);
    expect(fail.failures).toEqual([{ line: HEAD + n + 2, expected, got }]);
  });

  it('controller: no packet-in is sent when no controller is connected', () => {
    const text = FW_HEADER.replace('controller\n', '') + DNS[2].replace('+0.1', '@0') + '\nexpect controller';
    const f = verdicts(text).failures;
    expect(f).toHaveLength(1);
    expect(f[0].got).toMatch(/controller\(reason=1,dont_send=1,.* \(dont_send=1: no controller is connected; add the `controller` directive\)$/);
    expect(verdicts(FW_HEADER + DNS[2].replace('+0.1', '@0') + '\nexpect controller').failures).toEqual([]);
  });

  it('conntrack states are read from the profile printer (TCP, both profiles)', () => {
    const syn = '@0 tcp,in_port=p1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=4000,tp_dst=80,tcp_flags=syn seq=1 ack=0 win=1000 len=0';
    for (const profile of ['kernel', 'userspace']) {
      const head = `${FW_HEADER}profile ${profile}\n${syn}\n`;
      expect(verdicts(head + 'expect conntrack tcp SYN_SENT zone=1 sport=4000 count=1').failures).toEqual([]);
      const f = verdicts(head + 'expect conntrack tcp ESTABLISHED').failures;
      expect(f).toHaveLength(1);
      expect(f[0].got).toMatch(/^0 matching; the table:\n.*SYN_SENT/);
    }
  });
});

describe('header directives reach the run', () => {
  const answer = (delay: string) => DNS[1].replace('+0.5', delay);

  it('conntrack FILE: every scenario starts from the saved table', () => {
    const text = `${FW_HEADER}conntrack saved.ct\nscenario a\n${answer('@0')}\nexpect output p1\nscenario b\n${answer('@0')}\nexpect output p1\n`;
    const r = runText(text, { json: true, files: { 'saved.ct': UDP_ENTRY + '\n' } });
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).scenarios.map((s: any) => [s.name, s.passed])).toEqual([['a', true], ['b', true]]);
    // Without it the answer is unsolicited.
    expect(verdicts(`${FW_HEADER}${answer('@0')}\nexpect output p1`).failures[0].got).toBe('drop (packet-in to the controller)');
  });

  it('sysctl: a shorter UDP timeout expires the entry before a late answer', () => {
    const late = [DNS[0], answer('+20')].join('\n');
    expect(verdicts(`${FW_HEADER}${late}\nexpect output p1`).failures).toEqual([]);
    const f = verdicts(`${FW_HEADER}sysctl nf_conntrack_udp_timeout=10\n${late}\nexpect output p1`).failures;
    expect(f).toEqual([{ line: HEAD + 4, expected: 'output p1(1)', got: 'drop (packet-in to the controller)' }]);
  });
});

describe('scenarios are independent', () => {
  it('flows learned in one scenario are gone in the next', () => {
    const flows = [
      'table=0,priority=20,udp,tp_dst=7,actions=learn(table=0,priority=30,dl_type=0x0800,nw_proto=17,udp_dst=8,output:NXM_OF_IN_PORT[]),output:2',
      'table=0,priority=10,udp,actions=output:2',
    ].join('\n');
    const text = 'flows l.flows\nscenario learns\n@0 udp,in_port=1,tp_dst=7 len=8\nexpect output 2\n@1 udp,in_port=3,tp_dst=8 len=8\nexpect output 1\n'
      + 'scenario fresh\n@0 udp,in_port=3,tp_dst=8 len=8\nexpect output 2\n';
    const r = runText(text, { files: { 'l.flows': flows } });
    expect(r.out).toBe('PASS learns (2 packets, 2 expectations)\nPASS fresh (1 packet, 1 expectation)\n2 scenarios: 2 passed, 0 failed (3 expectations, 0 failed)\n');
  });
});

describe('table changes (@S flows PATH)', () => {
  /** The firewall without its flow letting port 2 answer (+est): answers go to the controller. */
  const closed = (fw: string) => fw.split('\n').filter((l) => !l.includes('ct_state=+est+trk')).join('\n');

  it('the packets after the change meet the new tables, the conntrack entry lives on; the next scenario starts from the header tables', () => {
    const text = `${FW_HEADER}scenario closed\n${DNS[0]}\nexpect output p2\n@0.2 flows closed.flows\n${DNS[1]}\nexpect controller\nexpect conntrack zone=1 udp count=1\n`
      + `scenario open\n${DNS[0]}\nexpect output p2\n${DNS[1]}\nexpect output p1\n`;
    const r = runText(text, { files: { 'closed.flows': closed(FW_FLOWS) } });
    expect(r.err).toBe('');
    expect(r.out).toBe('PASS closed (2 packets, 3 expectations)\nPASS open (2 packets, 2 expectations)\n2 scenarios: 2 passed, 0 failed (5 expectations, 0 failed)\n');
  });

  it('after a change, a failing `flow at line N` is explained with the newest file', () => {
    // closed.flows has 4 lines (line 4: its controller flow, table 1); line 5 of the header's fw.flows is in table 1.
    const text = `${FW_HEADER}${DNS[0]}\nexpect output p2\n@0.2 flows closed.flows\n${DNS[1]}\nexpect table 1 flow at line 5\n`;
    const r = runText(text, { json: true, files: { 'closed.flows': closed(FW_FLOWS) } });
    expect(JSON.parse(r.out).scenarios[0].failures.map((f: any) => f.got)).toEqual(['table 1: line 4 (priority 5, cookie 0x0) (no flow at line 5 of the flow file)']);
  });

  it('a missing flow file is an error at its line (exit 2)', () => {
    const r = runText(`${FW_HEADER}${DNS[0]}\nexpect output p2\n@0.2 flows gone.flows\n${DNS[1]}\nexpect output p1\n`);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:${HEAD + 3}:12: no such file: ${join(r.file, '..', 'gone.flows')}\n  @0.2 flows gone.flows\n`);
  });
});

describe('a flow change turns the bundled OVN scenarios red', () => {
  const OVN = (p: string) => readFileSync(join(ROOT, 'flows', p), 'utf8');
  /** The bundled scenario run against a copy of the OVN tables without the flows of `drop` (line numbers). */
  function runWithout(scenario: string, drop: number[]) {
    const flows = OVN('ovn-acl.flows').split('\n').map((l, i) => (drop.includes(i + 1) ? '' : l)).join('\n');
    const dir = folder({ 'ovn-acl.flows': flows, 'ovn-acl.groups': OVN('ovn-acl.groups'), 'ovn-acl.ports': OVN('ovn-acl.ports') });
    const file = join(dir, scenario);
    writeFileSync(file, readFileSync(join(ROOT, 'flows', 'scenarios', scenario), 'utf8').replace(/\.\.\/ovn-acl/g, './ovn-acl'));
    return capture(() => runTests([file], {}));
  }

  it('the allow-related ACL for tcp/80 removed: the HTTP SYN hits the default deny', () => {
    const lines = OVN('ovn-acl.flows').split('\n');
    const acl = lines.flatMap((l, i) => (/table=46,.*priority=2002,tcp,.*tp_dst=80/.test(l) ? [i + 1] : []));
    expect(acl).toHaveLength(4); // new (reg0 bit 7) and committed (bit 8) traffic, per pg_web member
    const r = runWithout('tcp-vm1-vm2-http.scenario', acl);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL tcp-vm1-vm2-http \(11 packets, 69 expectations, \d+ failed\)$/m);
    expect(r.out).toContain('tcp-vm1-vm2-http.scenario:11:1: expect output vm2\n    expected: output vm2(2)\n    got:      drop (packet-in to the controller)');
    expect(r.out).toMatch(/^1 scenario: 0 passed, 1 failed/m);
  });

  it('the same table unchanged passes', () => {
    expect(runWithout('tcp-vm1-vm2-http.scenario', []).out).toMatch(/^PASS tcp-vm1-vm2-http/);
  });
});
