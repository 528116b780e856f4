// `ctflow trace --ports` on bridges with named ports: the datapath port LOCAL prints as,
// against real OVS 3.1 on the dummy datapath (test/oracle/trace/local-port/cases.txt).
// Each recorded bridge is traced twice: ports given as NAME=NUMBER pairs (datapath numbers
// then derived as a fresh switch gives them) and as the recorded `dpif/show` listing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const recorded = readFileSync(join(ROOT, 'test/oracle/trace/local-port/cases.txt'), 'utf8');
const ctflow = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

interface Case { bridge: string; ports: string[]; dpifShow: string; packet: string; trace: string }

const cases: Case[] = recorded.split(/^### /m).filter(Boolean).map((section) => {
  const [head, ...rest] = section.split('\n');
  const [, bridge, ports] = /^bridge (\S+) ports (.+)$/.exec(head)!;
  const body = rest.join('\n');
  const [dpifShow, traceWithCmd] = body.split(/^\$ ovs-appctl ofproto\/trace /m);
  const [cmd, ...trace] = traceWithCmd.split('\n');
  return { bridge, ports: ports.split(' '), dpifShow, packet: cmd.split(' ')[1], trace: trace.join('\n') };
});
const lineOf = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

describe('LOCAL on a named-port bridge of the dummy datapath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctflow-local-'));
  const flows = join(dir, 'flows.txt');
  writeFileSync(flows, 'in_port=1 actions=LOCAL\n');

  it('reads every recorded bridge', () => {
    expect(cases.map((c) => c.bridge)).toEqual(['br0', 'br-int', 'br-int', 'br-int', 'sw7']);
  });

  for (const c of cases) {
    const want = lineOf(c.trace, 'Datapath actions: ');
    it(`${c.bridge} with ${c.ports.join(',')} as NAME=NUMBER: ${want}`, () => {
      const pairs = c.ports.map((p, i) => `${p}=${i + 1}`).join(',');
      const r = ctflow('trace', '--bridge', c.bridge, '--ports', pairs, flows, c.packet);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(lineOf(r.stdout, 'Datapath actions: ')).toBe(want);
      expect(lineOf(r.stdout, 'Final flow: ')).toBe(lineOf(c.trace, 'Final flow: '));
      expect(lineOf(r.stdout, 'bridge(')).toBe(`bridge("${c.bridge}")`);
    });
    // The listing names the bridge (its internal port): no --bridge needed for the header.
    it(`${c.bridge} with ${c.ports.join(',')} from dpif/show: ${want}`, () => {
      const file = join(dir, `${c.bridge}-${c.ports.join('-')}.ports`);
      writeFileSync(file, c.dpifShow);
      const r = ctflow('trace', '--ports', file, flows, c.packet);
      expect(r.status).toBe(0);
      expect(lineOf(r.stdout, 'Datapath actions: ')).toBe(want);
      expect(lineOf(r.stdout, 'bridge(')).toBe(lineOf(c.trace, 'bridge('));
    });
  }

  // two-bridges.txt: br0 and br-int on one datapath, so br-int's ports are numbered after
  // br0's; the listing holds both bridges' OpenFlow ports 1 and 2.
  const two = readFileSync(join(ROOT, 'test/oracle/trace/local-port/two-bridges.txt'), 'utf8');
  const [twoDpif, ...twoTraces] = two.split(/^\$ ovs-appctl ofproto\/trace /m);
  const twoFile = join(dir, 'two-bridges.ports');
  writeFileSync(twoFile, twoDpif);
  const twoFlows = join(dir, 'two.flows');
  writeFileSync(twoFlows, 'in_port=1 actions=LOCAL\nin_port=2 actions=output:1\n');
  for (const t of twoTraces) {
    const [cmd, ...out] = t.split('\n');
    const packet = cmd.split(' ')[1];
    it(`two bridges, --bridge br-int, ${packet}: ${lineOf(out.join('\n'), 'Datapath actions: ')}`, () => {
      const r = ctflow('trace', '--bridge', 'br-int', '--ports', twoFile, twoFlows, packet);
      expect(r.stderr).toBe('');
      expect(lineOf(r.stdout, 'Datapath actions: ')).toBe(lineOf(out.join('\n'), 'Datapath actions: '));
    });
  }
  it('two bridges without --bridge: refused, naming both', () => {
    const r = ctflow('trace', '--ports', twoFile, twoFlows, 'in_port=1');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ctflow: ${twoFile}: dpif/show lists bridges br-int, br0: pick one with --bridge NAME (trace, run) or keep one bridge's lines\n`);
  });

  it('prints an output port as its dpif/show datapath number (a is 1/2 there)', () => {
    const abc = cases.find((c) => c.ports.join() === 'a,b,c')!;
    const file = join(dir, 'abc.ports');
    writeFileSync(file, abc.dpifShow);
    const out1 = join(dir, 'out1.txt');
    writeFileSync(out1, 'in_port=2 actions=output:1\n');
    const r = ctflow('trace', '--bridge', 'br-int', '--ports', file, out1, 'in_port=b,tcp');
    expect(lineOf(r.stdout, 'Datapath actions: ')).toBe('Datapath actions: 2');
  });
});
