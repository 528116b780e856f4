// `ctflow test` as CI runs it: a real process, its exit status (0 all passed, 1 some
// failed, 2 bad input), stdout/stderr split, never a stack trace.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, FW_FLOWS, ROOT } from './helpers.js';

const ctflow = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'test', ...args], { cwd: ROOT, encoding: 'utf8' });

const BUNDLED = ['icmp-vm1-vm2-ping', 'icmp-vm1-vm4-routed-ping', 'tcp-vm1-lb-vip', 'tcp-vm1-vm2-acl-deleted', 'tcp-vm1-vm2-http', 'tcp-vm1-vm2-ssh-denied'];
const FAILING = 'test/scenario/fixtures/failing.scenario';

describe('ctflow test', () => {
  it('passes the bundled OVN scenarios: one PASS line each, a summary, exit 0', () => {
    const r = ctflow(...BUNDLED.map((n) => `flows/scenarios/${n}.scenario`));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^(PASS \S+ \(\d+ packets, \d+ expectations\)\n){6}6 scenarios: 6 passed, 0 failed \(\d+ expectations, 0 failed\)\n$/);
    expect(r.stdout.split('\n').slice(0, 6).map((l) => l.split(' ')[1])).toEqual(BUNDLED);
  });

  it('reports a failing scenario with file:line:col, expected, got and the packet, exit 1', () => {
    const r = ctflow(FAILING);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const out = r.stdout.split('\n');
    expect(out.slice(0, 4)).toEqual([
      'FAIL ssh allowed (wrong) (1 packet, 3 expectations, 2 failed)',
      `  ${FAILING}:12:1: expect output vm2`,
      '    expected: output vm2(2)',
      '    got:      drop (packet-in to the controller)',
    ]);
    expect(out.slice(4, 7)).toEqual([
      `  ${FAILING}:13:1: expect conntrack zone=8 tcp SYN_SENT count=1`,
      '    expected: 1 entry matching tcp SYN_SENT zone=8',
      '    got:      0 matching; the table:',
    ]);
    // The packet once, as `ctflow run` shows it, then each pass's tables and datapath actions.
    const pkt = out.findIndex((l) => l.startsWith('    packet #1 @0.000 in_port=vm1(1) tcp 10.0.0.11:40001 > 10.0.0.12:22 [S]'));
    expect(pkt).toBe(8);
    expect(out[pkt]).toMatch(/\| drop \(packet-in to the controller\) \(line 11\)$/);
    expect(out[pkt + 3]).toMatch(/^ {6}pass 3 \(recirc 0x2, ct_state new\|trk\): tables 45 46 -> userspace\(.*rule_cookie=0x8406181c/);
    expect(out.slice(pkt + 4)).toEqual(['PASS http allowed (1 packet, 2 expectations)', '2 scenarios: 1 passed, 1 failed (5 expectations, 2 failed)', '']);
  });

  it('--json gives the same verdicts as one document', () => {
    const r = ctflow('--json', FAILING, 'flows/scenarios/tcp-vm1-vm2-ssh-denied.scenario');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ passed: 2, failed: 1, expectations: 20, failed_expectations: 2 });
    expect(doc.scenarios.map((s: any) => [s.name, s.passed, s.packets])).toEqual([
      ['ssh allowed (wrong)', false, 1], ['http allowed', true, 1], ['tcp-vm1-vm2-ssh-denied', true, 2],
    ]);
    expect(doc.scenarios[0].failures[0]).toMatchObject({
      file: FAILING, line: 12, col: 1, expectation: 'expect output vm2', expected: 'output vm2(2)', got: 'drop (packet-in to the controller)',
      packet: { number: 1, line: 11 },
    });
    expect(doc.scenarios[0].failures[0].packet.passes).toHaveLength(3);
  });

  it('bad input: every error of every file with a caret and suggestions, nothing run, exit 2', () => {
    const dir = folder({
      'fw.flows': FW_FLOWS,
      'a.scenario': 'flows fw.flows\nprofle kernel\n@0 udp,in_port=1,nw_src=1.1.1.1,nw_dst=2.2.2.2 len=8\nexpect outptu 2\n',
      'b.scenario': 'flows missing.flows\n@0 udp len=8\nexpect drop\n',
    });
    const r = ctflow(join(dir, 'a.scenario'), join(dir, 'b.scenario'));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${dir}/a.scenario:2:1: unknown directive 'profle' (did you mean 'profile'?)\n  profle kernel\n  ^^^^^^`);
    expect(r.stderr).toContain(`${dir}/a.scenario:4:8: unknown expectation 'outptu' (did you mean 'output'?)\n  expect outptu 2\n         ^^^^^^`);
    expect(r.stderr).toContain(`${dir}/b.scenario:1:7: no such file: ${dir}/missing.flows\n  flows missing.flows\n        ${'^'.repeat(13)}`);
    expect(r.stderr).toContain('3 errors');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad flow table named by a scenario is bad input too', () => {
    const dir = folder({ 'x.flows': 'table=0,ip,ct_state=+trk+estb,actions=drop\n', 's.scenario': 'flows x.flows\n@0 udp len=8\nexpect drop\n' });
    const r = ctflow(join(dir, 's.scenario'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("x.flows:1:26: unknown ct_state flag 'estb' (did you mean 'est'?)");
  });

  it('reads absolute directive paths as they are (relative ones from the scenario\'s folder)', () => {
    const lb = readFileSync(join(ROOT, 'flows/scenarios/tcp-vm1-lb-vip.scenario'), 'utf8').replace(/^(flows|groups|ports) \.\.\//gm, `$1 ${join(ROOT, 'flows')}/`);
    expect(lb).toContain(`flows ${join(ROOT, 'flows/ovn-acl.flows')}\n`);
    const r = ctflow(join(folder({ 'lb.scenario': lb }), 'lb.scenario'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^PASS lb \(5 packets, \d+ expectations\)\n/);
  });

  it('refuses a missing scenario file with a one-line message', () => {
    const r = ctflow('no/such.scenario');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ctflow: no/such.scenario: no such file\n');
  });
});
