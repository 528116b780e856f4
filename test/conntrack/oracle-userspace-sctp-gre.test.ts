// The userspace profile against real OVS 3.1 userspace conntrack on the same SCTP, GRE and
// DCCP packets as the kernel recordings (test/oracle/ovs-userspace-sctp): ct_state and all
// four dpctl/dump-conntrack forms per packet. OVS tracks them as "other" protocols.
import { describe, expect, it } from 'vitest';
import { caseNames, replayUserspace } from './oracle-replay.js';

describe('userspace profile against recorded OVS 3.1: SCTP, GRE, DCCP', () => {
  const names = caseNames('ovs-userspace-sctp');
  it('has all 8 recorded cases', () => expect(names.length).toBe(8));
  it.each(names)('%s', (name) => expect(replayUserspace(name, 'ovs-userspace-sctp')).toEqual([]));
});
