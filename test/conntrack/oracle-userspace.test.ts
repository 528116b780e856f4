// Every recorded OVS 3.1 userspace case: ct_state and the four dpctl/dump-conntrack
// forms 0.081 s after each packet (timeouts ±1 s).
import { describe, expect, it } from 'vitest';
import { caseNames, replayUserspace } from './oracle-replay.js';

describe('userspace profile against recorded OVS 3.1 userspace conntrack', () => {
  const names = caseNames('ovs-userspace');
  it('has all 34 recorded cases', () => expect(names.length).toBe(34));
  it.each(names)('%s', (name) => {
    expect(replayUserspace(name)).toEqual([]);
  });
});
