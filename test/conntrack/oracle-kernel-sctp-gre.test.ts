// The kernel profile against real nf_conntrack recordings of SCTP, GRE and DCCP (Linux
// 6.18, test/oracle/kernel-{sctp,gre,dccp}): every packet replayed at its recorded time,
// its ct_state, `conntrack -L` after it (timeouts ±1 s) and its `conntrack -E` lines.
import { describe, expect, it } from 'vitest';
import { caseNames, replayKernel } from './oracle-replay.js';

describe.each([
  ['kernel-sctp', 22],
  ['kernel-gre', 4],
  ['kernel-dccp', 1],
])('kernel profile against recorded nf_conntrack: %s', (dir, count) => {
  const names = caseNames(dir);
  it(`has all ${count} recorded cases`, () => expect(names.length).toBe(count));
  it.each(names)('%s', (name) => expect(replayKernel(name, dir)).toEqual([]));
});
