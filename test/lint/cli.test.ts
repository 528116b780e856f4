// `ctflow lint` as a user runs it: a real process, exit status, stdout/stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ctflow = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'lint', ...args], { cwd: ROOT, encoding: 'utf8' });
const tmpFile = (name: string, text: string) => {
  const f = join(mkdtempSync(join(tmpdir(), 'ctflow-lint-')), name);
  writeFileSync(f, text);
  return f;
};

describe('ctflow lint', () => {
  it('the example table: every mistake its comments name, exit 1', () => {
    const r = ctflow('flows/examples/firewall-mistakes.flows');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const heads = r.stdout.split('\n').filter((l) => l.startsWith('flows/') && !l.includes(': note: ') && !l.startsWith('flows/examples/firewall-mistakes.flows: '));
    expect(heads.map((l) => l.replace(/^[^:]+:(\d+):(\d+): (\w+): .*\[(.*)\]$/, '$1:$2 $3 $4'))).toEqual([
      '7:47 warning ct-state-without-trk',
      '14:61 warning commit-zone-mismatch',
      '17:24 error ct-state-impossible',
      '19:1 warning shadowed',
      '21:1 warning duplicate',
      '24:61 warning ct-table-empty',
      '30:28 warning resubmit-to-empty-table',
      '33:27 warning ct-state-before-ct',
      '37:1 warning unreachable-table',
    ]);
    expect(r.stdout).toContain([
      "flows/examples/firewall-mistakes.flows:19:1: warning: flow never matches: line 15 (priority 100) matches every packet it matches [shadowed]",
      '  table=1,priority=50,tcp,ct_state=+est+trk,tp_dst=22 actions=drop',
      '  ' + '^'.repeat('table=1,priority=50,tcp,ct_state=+est+trk,tp_dst=22'.length),
      "  hint: raise its priority above the other flow, or narrow the other flow's match",
      'flows/examples/firewall-mistakes.flows:15:1: note: the flow that matches first (priority 100)',
      '  table=1,priority=100,ip,ct_state=+est+trk actions=resubmit(,2)',
      '  ' + '^'.repeat('table=1,priority=100,ip,ct_state=+est+trk'.length),
    ].join('\n'));
    expect(r.stdout.endsWith('flows/examples/firewall-mistakes.flows: 18 flows, 1 error, 8 warnings\n')).toBe(true);
  });

  it('notes only: exit 0 (the real OVN table, resubmits into tables filled at run time)', () => {
    const r = ctflow('flows/ovn-acl.flows', '--rule', 'resubmit-to-empty-table');
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('flows/ovn-acl.flows: 628 flows, 9 notes\n')).toBe(true);
  });

  it('a clean table: exit 0, "no findings"', () => {
    const f = tmpFile('ok.flows', 'table=0,priority=100,ip actions=ct(table=1,zone=1)\ntable=0,priority=0 actions=drop\ntable=1,priority=100,ip,ct_state=+trk+est actions=output:2\ntable=1,priority=0 actions=drop\n');
    const r = ctflow(f);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${f}: 4 flows, no findings\n`);
  });

  it('flows that do not parse: printed as the reader prints them, the rest still linted, exit 2', () => {
    const f = tmpFile('bad.flows', 'priority=100,ip actions=drop\npriority=90,ct_state=+trk+estb,ip actions=drop\npriority=50,tcp actions=output:1\n');
    const r = ctflow(f);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${f}:2:27: unknown ct_state flag 'estb' (did you mean 'est'?)\n  priority=90,ct_state=+trk+estb,ip actions=drop\n                            ^^^^\n`);
    expect(r.stdout).toContain(`${f}:3:1: warning: flow never matches: line 1 (priority 100)`);
    expect(r.stdout).toContain(`${f}: 2 flows, 1 warning\n`);
    const j = ctflow(f, '--json');
    expect(j.status).toBe(2);
    expect(JSON.parse(j.stdout).parseErrors).toEqual([{ file: f, line: 2, col: 27, message: "unknown ct_state flag 'estb' (did you mean 'est'?)" }]);
  });

  it('--disable drops a rule; --json gives every finding with its place', () => {
    const r = ctflow('flows/examples/firewall-mistakes.flows', '--disable', 'shadowed,duplicate', '--json');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.flows).toBe(18);
    expect(doc.findings.map((x: { rule: string }) => x.rule)).not.toContain('shadowed');
    expect(doc.findings).toHaveLength(7);
    expect(doc.findings[1]).toMatchObject({ rule: 'commit-zone-mismatch', severity: 'warning', line: 14, col: 61, related: [{ line: 5, col: 47 }] });
  });

  it('an unknown rule id or a missing file: a one-line error, exit 2', () => {
    const r = ctflow('flows/ovn-acl.flows', '--rule', 'shadowd');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("ctflow: --rule: unknown rule 'shadowd' (did you mean 'shadowed'?)\n");
    const m = ctflow('no/such.flows');
    expect(m.status).toBe(2);
    expect(m.stderr).toBe('ctflow: no/such.flows: no such file\n');
  });

  it('--list-rules prints every rule id', () => {
    const r = ctflow('--list-rules');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).toContain('commit-zone-mismatch');
  });
});
