// Bad input through every command, as a user meets it: wrong, binary, empty or missing
// files, directories, contradicting options. Each must end with exit status 2 and a
// message on stderr: never a JavaScript stack trace, never status 0 (or lint's 1, which
// means "warnings found").
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
interface Ran { status: number | null; stdout: string; stderr: string }
const ctflow = (...args: string[]) => new Promise<Ran>((resolve) => {
  execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' },
    (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
});

const dir = mkdtempSync(join(tmpdir(), 'ctflow-bad-'));
const file = (name: string, content: string | Buffer) => { const p = join(dir, name); writeFileSync(p, content); return p; };
// Every byte value, NULs and invalid UTF-8 included (a pcap or an image given by mistake).
const binary = file('binary.dat', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) & 0xff)));
const empty = file('empty.txt', '');
const flows = file('ok.flows', 'in_port=1 actions=output:2\n');
const conv = file('ok.conv', '@0 tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=40000,tp_dst=22,tcp_flags=syn\n');
const missing = join(dir, 'no-such-file');

const noStack = (r: Ran) => expect(r.stderr).not.toMatch(/\n\s+at |node:internal|^\S+\.ts:\d+$/m);

/** [what, argv, a piece of the one message expected on stderr] */
const CASES: Array<[string, string[], string]> = [
  ['fmt: binary flows', ['fmt', binary], `${binary}:1:`],
  ['fmt: a directory', ['fmt', dir], `ctflow: ${dir}: is a directory`],
  ['parse: binary flows', ['parse', binary], `${binary}:1:`],
  ['lint: binary flows', ['lint', binary], `${binary}:1:`],
  ['lint: unknown option', ['lint', '--bogus', flows], "unknown option '--bogus'"],
  ['trace: binary flows', ['trace', binary, 'in_port=1'], `${binary}:1:`],
  ['trace: empty packet', ['trace', flows, ''], 'ctflow: empty packet'],
  ['trace: blank packet', ['trace', flows, '   '], 'ctflow: empty packet'],
  ['trace: unknown port name in the packet', ['trace', '--ports', 'vm1=1', flows, 'in_port=vm9'], "packet:1:9: vm9: invalid or unknown port (did you mean 'vm1'?)"],
  ['trace: binary --groups', ['trace', '--groups', binary, flows, 'in_port=1'], `${binary}:1:`],
  ['trace: binary --conntrack', ['trace', '--conntrack', binary, flows, 'in_port=1'], `${binary}:1:1: unknown protocol`],
  ['trace: missing --conntrack', ['trace', '--conntrack', missing, flows, 'in_port=1'], `ctflow: ${missing}: no such file`],
  ['trace: binary --ports file', ['trace', '--ports', binary, flows, 'in_port=1'], 'no ports found'],
  ['trace: empty --ports file', ['trace', '--ports', empty, flows, 'in_port=1'], 'no ports found'],
  ['trace: a name given twice in --ports', ['trace', '--ports', 'vm1=1,vm1=2', flows, 'in_port=1'], 'ctflow: --ports: vm1 given twice'],
  ['trace: two names for one port in --ports', ['trace', '--ports', 'vm1=1,vm2=1', flows, 'in_port=1'], 'ctflow: --ports: vm2 and vm1 are both port 1'],
  // ofproto/trace (OVS 3.1) refuses these --ct-next values too.
  ['trace: --ct-next est without trk', ['trace', '--ct-next', 'est', flows, 'in_port=1'], 'ctflow: --ct-next: est is not a connection state: any flag needs "trk"'],
  ['trace: --ct-next new and est', ['trace', '--ct-next', 'trk,new,est', flows, 'in_port=1'], '"new" and "est" exclude each other'],
  ['trace: --ct-next inv and new', ['trace', '--ct-next', 'trk,inv,new', flows, 'in_port=1'], '"inv" goes with "trk" only'],
  ['trace: --ct-next new and rpl', ['trace', '--ct-next', 'trk,new,rpl', flows, 'in_port=1'], '"new" and "rpl" exclude each other'],
  ['trace: --ct-next with |', ['trace', '--ct-next', 'trk|est', flows, 'in_port=1'], "separate the flags with ','"],
  ['trace: --ct-next with +', ['trace', '--ct-next', '+trk', flows, 'in_port=1'], "separate the flags with ','"],
  ['trace: too many arguments', ['trace', flows, 'in_port=1', 'extra'], 'too many arguments'],
  ['run: binary conversation', ['run', flows, binary], `${binary}:1:`],
  ['run: empty conversation', ['run', flows, empty], `ctflow: ${empty}: no packets`],
  ['run: binary --conntrack', ['run', '--conntrack', binary, flows, conv], `${binary}:1:1: unknown protocol`],
  ['test: binary scenario', ['test', binary], `${binary}:1:1: no 'flows' directive`],
  ['no command', [], 'Usage: ctflow'],
  ['unknown command', ['bogus'], "unknown command 'bogus'"],
  // OVS refuses actions nested 100 deep (ovs-ofctl: "Action nested too deeply"); ctflow
  // must at least not crash on thousands.
  ['fmt: clone() nested 5000 deep', ['fmt', file('deep.flows', `actions=${'clone('.repeat(5000)}drop${')'.repeat(5000)}\n`)], 'nested too deeply'],
];

describe('bad input: exit status 2, one message, no stack trace', () => {
  for (const [what, argv, message] of CASES) {
    it.concurrent(what, async () => {
      const r = await ctflow(...argv);
      noStack(r);
      expect(r.stderr).toContain(message);
      expect(r.status).toBe(2);
    });
  }
});

describe('good input still exits 0', () => {
  it.concurrent('an empty flow file is an empty table (ovs-ofctl add-flows takes it)', async () => {
    const r = await ctflow('fmt', empty);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
  });
  it.concurrent('run with a packet', async () => {
    const r = await ctflow('run', flows, conv);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it.concurrent('--help', async () => {
    const r = await ctflow('trace', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: ctflow trace');
  });
});
