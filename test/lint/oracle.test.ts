// What real OVS 3.1 did with the ct() cases lint has opinions on (recorded by hand on the
// userspace datapath: test/lint/oracle/ovs-ct-untracked.txt). Lint's verdicts must agree:
//  A: ct(commit) on a packet no ct() had seen, in a flow that does not match +trk, commits
//     the connection (the reply came back +trk+est). So lint has no rule against it.
//  B: ct_state=-new-inv matched a packet that never went through ct(), and ct_state=+est
//     (no +trk) matched tracked +est replies: a warning for the first, a note for the second.
//  C: a resubmit after ct(commit) in the same flow reached its table untracked: the
//     ct_state=+trk flow there never matched, as ct-state-before-ct says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brief, colOf, lintText } from './helpers.js';

const REC = readFileSync(join(import.meta.dirname, 'oracle', 'ovs-ct-untracked.txt'), 'utf8');

/** The flows listed under `# Experiment X` (indented `#     table=...` lines). */
function flowsOf(exp: string): string {
  const part = REC.split(`# Experiment ${exp}`)[1].split('# Experiment')[0];
  const flows = part.split('\n').filter((l) => /^#\s+table=/.test(l)).map((l) => l.replace(/^#\s+/, ''));
  return flows.join('\n') + '\n';
}
const counts = (key: string): number[] => new RegExp(`^${key}: (.*)$`, 'm').exec(REC)![1].split(' ').map(Number);

describe('lint agrees with recorded OVS behaviour', () => {
  it('A: OVS committed an untracked packet and the reply was +est; lint finds nothing wrong', () => {
    expect(REC).toMatch(/^A-conntrack: udp,orig=\(src=10\.0\.0\.1,dst=10\.0\.0\.2,sport=1000,dport=2000\).*zone=5$/m);
    expect(counts('A-n_packets')).toEqual([1, 1, 1, 0]); // the +trk+est flow of table 1 took the reply
    const flows = flowsOf('A');
    expect(flows.split('\n')[0]).toBe('table=0,priority=100,ip,in_port=1 actions=ct(commit,zone=5),output:2');
    expect(lintText(flows)).toEqual([]);
  });

  it('B: -new-inv matched the untracked packet (warning), +est matched tracked replies like +trk+est (note)', () => {
    const b = counts('B-n_packets');
    expect(b[0]).toBe(1);  // priority=200,ct_state=-new-inv: the untracked packet from p1
    expect(b[1]).toBe(0);  // so the drop below it saw nothing
    expect(b[3]).toBe(2);  // table 1 ct_state=+est: both tracked +est replies
    const flows = flowsOf('B');
    expect(brief(lintText(flows, { rules: ['ct-state-without-trk'] }))).toEqual([
      `1:${colOf(flows, 1, 'ct_state')} warning ct-state-without-trk`,
      `4:${colOf(flows, 4, 'ct_state')} note ct-state-without-trk`,
    ]);
  });

  it('C: after ct(commit) the resubmitted packet was untracked; lint says the +trk flow never matches', () => {
    expect(REC).toMatch(/^C-conntrack: udp,.*zone=1$/m);
    expect(counts('C-n_packets')).toEqual([1, 1, 0, 1]);
    const flows = flowsOf('C');
    expect(brief(lintText(flows))).toEqual([`3:${colOf(flows, 3, 'ct_state')} warning ct-state-before-ct`]);
  });
});
