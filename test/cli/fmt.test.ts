// The fmt command as a user runs it: a real process, exit status, stdout/stderr split,
// never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ctflow = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('ctflow fmt', () => {
  it('prints the good flows, reports every bad one on stderr, exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctflow-fmt-'));
    const file = join(dir, 'acl.flows');
    writeFileSync(file, [
      'table=0,priority=100,ip,ct_state=-trk actions=ct(table=1,zone=1)',
      'table=1,priority=100,ct_state=+trk+estb,ip actions=output:2',
      'table=1,priority=90,tcp,tp_dts=22 actions=drop',
      'table=1,priority=0 actions=drop',
    ].join('\n'));
    const r = ctflow('fmt', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe(' priority=100,ct_state=-trk,ip actions=ct(table=1,zone=1)\n table=1, priority=0 actions=drop\n');
    expect(r.stderr).toContain(`${file}:2:36: unknown ct_state flag 'estb' (did you mean 'est'?)`);
    expect(r.stderr).toContain(`${file}:3:25: unknown keyword tp_dts (did you mean 'tp_dst'?)`);
    expect(r.stderr).toContain('2 errors');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a missing file with a one-line message', () => {
    const r = ctflow('fmt', 'no/such.flows');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ctflow: no/such.flows: no such file\n');
  });

  // test/corpus/dumps/of13.*: recorded from real `ovs-ofctl -O OpenFlow13 dump-flows br0`.
  const of13 = readFileSync(join(ROOT, 'test/corpus/dumps/of13.no-stats.txt'), 'utf8');

  it('reprints a pasted OpenFlow 1.3 dump in its own dialect (from its header)', () => {
    const r = ctflow('fmt', 'test/corpus/dumps/of13.raw.txt');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(of13);
  });

  it('prints another dump in the dialect --protocol names; --of15 still works', () => {
    const r = ctflow('fmt', '-O', 'OpenFlow13', 'test/corpus/dumps/default.raw.txt');
    expect(r.status).toBe(0);
    // The default dump was taken from the same switch: only flags and importance differ (an
    // OF1.0 dump shows neither, so the reset_counts flag of the OF1.3 dump cannot show up).
    expect(r.stdout).toBe(of13.replaceAll('reset_counts ', '').replace('send_flow_rem ', ''));
    const of15 = ctflow('fmt', '--of15', 'test/corpus/dumps/default.raw.txt');
    expect(of15.stdout).toBe(ctflow('fmt', '--protocol', 'OpenFlow15', 'test/corpus/dumps/default.raw.txt').stdout);
    expect(of15.stdout).toContain('actions=set_field:0x1->reg13,resubmit(,1)');
  });

  it('refuses a protocol it cannot print', () => {
    const r = ctflow('fmt', '--protocol', 'OpenFlow12', 'test/corpus/dumps/default.raw.txt');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ctflow: --protocol: unsupported OpenFlow12 (use OpenFlow10, OpenFlow13, OpenFlow15)\n');
  });

  it('reprints a pasted OVN dump as the switch printed it with --no-stats', () => {
    const r = ctflow('fmt', 'flows/ovn-acl.flows');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'flows/ovn-acl.nostats.flows'), 'utf8'));
  });
});
