// ctflow lint on the real OVN 23.03 chassis tables (flows/ovn-acl.*, printed by OVS 3.1).
// Every finding below was checked by hand against the flows; why each is true:
//
//  shadowed (warnings), dead flows northd generates:
//   - table 11 (lr_in_ip_input, router lr1, metadata=0x3): the priority-32 multicast
//     flows with nw_ttl=0/1 (lines 91-94) sit under the priority-82 "drop all multicast"
//     flows (68: IPv6, 69: IPv4), whose match is theirs minus nw_ttl/nw_frag. Both drop.
//   - table 16 (ls_in_acl) and table 46 (ls_out_acl): ls2 (metadata=0x2) has no ACLs, so
//     northd adds `priority=65535,metadata=0x2 actions=resubmit(next)` (lines 180, 467);
//     the priority-65532 ND/MLD/RA bypass flows for ls2 (182-196, 469-483) can never match.
//  resubmit-to-empty-table (notes): tables 66 (MAC bindings), 67 (MAC lookup) and 71 (FDB
//   lookup) are lookups ovn-controller fills at run time; in this lab they are empty, so the
//   resubmits find nothing and the flow carries on with its next action, as OVN intends.
//  unreachable-table: table 38 (large-packet handling) is only reached when a gateway MTU
//   is set; table 37 here has only `priority=0 actions=resubmit(,39)`. Without --groups it
//   is a note (group 1's buckets are not followed), with the groups file a warning.
//
// Nothing else: no ct_state without trk, no commit in a zone nothing looks up (northd's
// hairpin SNAT commits in reg12 and looks replies up in reg12: commit-zone-mismatch stays
// quiet), no empty goto/ct targets, no conjunctions, every matched register bit written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brief, lintText, type Seen } from './helpers.js';

const F = (p: string) => readFileSync(join(import.meta.dirname, '..', '..', 'flows', p), 'utf8');
const GROUPS = F('ovn-acl.groups');

const shadowedBy = new Map<number, number>([
  [91, 69], [92, 69], [93, 68], [94, 68],
  ...[182, 183, 184, 188, 189, 190, 191, 196].map((l) => [l, 180] as [number, number]),
  ...[469, 470, 471, 475, 476, 477, 478, 483].map((l) => [l, 467] as [number, number]),
]);
const emptyLookups = [20, 21, 22, 23, 24, 278, 279, 357, 358];

function expected(unreachable: 'note' | 'warning', shift = 0): string[] {
  const out: Array<[number, string]> = [
    ...[...shadowedBy.keys()].map((l): [number, string] => [l, `${l - shift} warning shadowed`]),
    ...emptyLookups.map((l): [number, string] => [l, `${l - shift} note resubmit-to-empty-table`]),
    [364, `${364 - shift} ${unreachable} unreachable-table`],
  ];
  return out.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}
/** cookie, table and match of a dump line (what identifies the flow across dumps). */
const flowKey = (line: string): string =>
  `${/cookie=(\w+)/.exec(line)![1]} ${/table=(\d+)/.exec(line)![1]} ${line.slice(line.indexOf(' priority='), line.indexOf(' actions='))}`;
const lines = (fs: Seen[]) => brief(fs).map((s) => s.replace(/:\d+ /, ' '));

describe('ctflow lint on the real OVN table', () => {
  it('ovn-acl.flows without groups: the documented findings, table 38 only a note', () => {
    const fs = lintText(F('ovn-acl.flows'));
    expect(lines(fs)).toEqual(expected('note'));
    for (const f of fs.filter((x) => x.rule === 'shadowed')) expect(f.related.map((r) => r.line)).toEqual([shadowedBy.get(f.line)]);
    const unreachable = fs.find((f) => f.rule === 'unreachable-table')!;
    expect(unreachable.message).toContain('table 38 (2 flows)');
    expect(unreachable.message).toContain('group 1');
  });

  it('ovn-acl.flows with its groups: the same, table 38 a warning', () => {
    expect(lines(lintText(F('ovn-acl.flows'), { groups: GROUPS }))).toEqual(expected('warning'));
  });

  it('the same findings from the --no-stats dump (one line up: no header) and the OpenFlow 1.5 dump (another flow order)', () => {
    expect(lines(lintText(F('ovn-acl.nostats.flows'), { groups: GROUPS }))).toEqual(expected('warning', 1));
    // By flow (cookie, table, match) rather than line: that dump lists some flows in another order.
    const byFlow = (file: string) => {
      const text = F(file).split('\n');
      return lintText(F(file), { groups: GROUPS }).map((f) => `${f.severity} ${f.rule} ${flowKey(text[f.line - 1])}`).sort();
    };
    expect(byFlow('ovn-acl.of15.flows')).toEqual(byFlow('ovn-acl.flows'));
    expect(byFlow('ovn-acl.of15.flows')).toHaveLength(30);
  });

  it('the resubmit notes point at the resubmit into the empty table', () => {
    const text = F('ovn-acl.flows').split('\n');
    for (const f of lintText(F('ovn-acl.flows'), { rules: ['resubmit-to-empty-table'] })) {
      expect(text[f.line - 1].slice(f.col - 1, f.col - 1 + f.len)).toMatch(/^resubmit\(,(66|67|71)\)$/);
    }
  });
});
