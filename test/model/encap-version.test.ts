// encap() and decap() over OpenFlow < 1.3, refused the way OVS 3.1 refused them when the
// flows were added (recorded: test/oracle/trace-mpls-prereq/cases/{version,prereq-legacy}-*,
// and the corpus lines ovs-ofctl refused without -O): ovs-ofctl itself refuses a file with
// encap ("none of the usable flow formats"), the switch refuses a flow mod with decap
// ("unknown OpenFlow1N action ... OFPBAC_BAD_VENDOR_TYPE"). ctflow's error must carry the
// part of OVS's message that says which.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';

const CASES = join(import.meta.dirname, '../oracle/trace-mpls-prereq/cases');
const CORPUS = join(import.meta.dirname, '../corpus/actions.json');

/** Refusals ctflow does not make yet, and where the fix belongs. */
const NOT_YET = new Map<string, string>([]);
/** Refusals ctflow words otherwise, and why. */
const WORDED_OTHERWISE = new Map<string, string>([]);

/**
 * The part of an OVS refusal that names why: the flow formats, the action the switch could
 * not decode, a prerequisite (found first), or no version at all (OFPBAC_MATCH_INCONSISTENT).
 */
function ovsReason(error: string): string | null {
  return /none of the usable flow formats \([^)]*\) is among the allowed flow formats \([^)]*\)/.exec(error)?.[0]
    ?? /unknown OpenFlow1\d action for vendor 0x2320 and type \d+/.exec(error)?.[0]
    ?? /\S+ lacks correct prerequisites/.exec(error)?.[0] ?? /OFPBAC_MATCH_INCONSISTENT/.exec(error)?.[0] ?? null;
}

const ofVersionOf = (flows: string) => Number(/^#\s*protocol:\s*OpenFlow1(\d)/m.exec(flows)?.[1] ?? 0) + 10;

describe('encap/decap over OpenFlow < 1.3: refused with OVS\'s reason', () => {
  const cases = readdirSync(CASES).sort().filter((n) => /^(version|prereq-legacy|prereq-clone)-/.test(n) && !NOT_YET.has(n)).map((name) => {
    const e = JSON.parse(readFileSync(join(CASES, name, 'expect.json'), 'utf8')) as { setup_errors?: string[] };
    return { name, reason: e.setup_errors ? ovsReason(e.setup_errors[0]) : null };
  });
  it('finds the recorded cases', () => expect(cases.filter((c) => c.reason).length).toBeGreaterThanOrEqual(20));
  for (const { name, reason } of cases) {
    it(`${name}: ${reason ?? 'accepted'}`, () => {
      const text = readFileSync(join(CASES, name, 'flows.txt'), 'utf8');
      const r = readFlows(text, 'flows.txt', { ofVersion: ofVersionOf(text) });
      const got = r.diagnostics.map((d) => d.message).join('\n');
      if (!reason) expect(got).toBe('');
      else if (WORDED_OTHERWISE.has(name)) expect(got, 'now worded as OVS: remove it from WORDED_OTHERWISE').not.toContain(reason);
      else expect(got).toContain(reason);
    });
  }

  const corpus = (JSON.parse(readFileSync(CORPUS, 'utf8')) as Array<{ input: string; default_error?: string }>)
    .filter((e) => /\b(en|de)cap\(/.test(e.input) && e.default_error);
  it('finds the corpus lines ovs-ofctl refused without -O', () => expect(corpus.length).toBeGreaterThanOrEqual(9));
  for (const e of corpus) {
    it(`corpus: ${e.input}`, () => {
      const r = readFlows(e.input, 'corpus', {});
      expect(r.diagnostics.map((d) => d.message).join('\n')).toContain(ovsReason(e.default_error!));
    });
  }

  it('checks the actions after a nested list with the packet as it was before it', () => {
    for (const name of ['prereq-clone-encap-nsh-then-set-of13', 'prereq-clone-push-mpls-then-set-of13', 'prereq-ct-exec-push-vlan-then-pop-of13']) {
      expect(readFlows(readFileSync(join(CASES, name, 'flows.txt'), 'utf8'), 'f', { ofVersion: 13 }).diagnostics, name).toEqual([]);
    }
    expect(readFlows('ip actions=clone(encap(nsh)),encap(nsh),set_field:10.0.0.9->ip_src', 'f', { ofVersion: 13 }).diagnostics.length).toBe(1);
  });
  it('takes them over OpenFlow 1.3 and in a dump', () => {
    const line = 'ip,in_port=1 actions=encap(nsh),decap(),output:2';
    expect(readFlows(line, 'f', { ofVersion: 13 }).diagnostics).toEqual([]);
    expect(readFlows(` cookie=0x0, duration=1.0s, table=0, n_packets=0, n_bytes=0, ${line}`, 'f', {}).diagnostics).toEqual([]);
  });
  it('lists only cases still refused wrongly', () => {
    for (const [name] of NOT_YET) {
      const text = readFileSync(join(CASES, name, 'flows.txt'), 'utf8');
      expect(readFlows(text, 'f', { ofVersion: ofVersionOf(text) }).diagnostics, 'now refused: remove it from NOT_YET').toEqual([]);
    }
  });
});
