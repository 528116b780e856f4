// Every recorded kernel case, replayed packet by packet at its recorded times:
// ct_state, `conntrack -L` 0.081 s later (timeouts ±1 s) and `conntrack -E` lines.
import { describe, expect, it } from 'vitest';
import { caseNames, replayKernel } from './oracle-replay.js';

describe('kernel profile against recorded nf_conntrack (kernel 6.18)', () => {
  const names = caseNames('kernel');
  it('has all 34 recorded cases', () => expect(names.length).toBe(34));
  it.each(names)('%s', (name) => {
    expect(replayKernel(name)).toEqual([]);
  });
});
