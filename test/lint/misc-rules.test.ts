// conjunction-incomplete, register-read-never-written, and choosing rules by id.
import { describe, expect, it } from 'vitest';
import { RuleSelectionError, selectRules } from '../../src/lint/lint.js';
import { RULES } from '../../src/lint/rules/index.js';
import { brief, colOf, lintText, table } from './helpers.js';

const only = (rule: string) => (text: string) => lintText(text, { rules: [rule] });

describe('conjunction-incomplete', () => {
  const run = only('conjunction-incomplete');
  it('a clause without flows: an error at the first clause action', () => {
    const t = table(
      'priority=50,ip,nw_src=10.0.0.1 actions=conjunction(7,1/3)',
      'priority=50,tcp,tp_dst=80 actions=conjunction(7,2/3)',
      'priority=50,conj_id=7,ip actions=output:4',
    );
    const fs = run(t);
    expect(brief(fs)).toEqual([`1:${colOf(t, 1, 'conjunction(')} error conjunction-incomplete`]);
    expect(fs[0].message).toContain('clause 3 of 3');
  });
  it('clauses at another priority do not complete it (OVS counts clauses per priority)', () => {
    const t = table(
      'priority=50,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)',
      'priority=40,tcp,tp_dst=80 actions=conjunction(7,2/2)',
      'priority=50,conj_id=7,ip actions=output:4',
    );
    expect(brief(run(t))).toEqual([`1:${colOf(t, 1, 'conjunction(')} error conjunction-incomplete`, `2:${colOf(t, 2, 'conjunction(')} error conjunction-incomplete`]);
  });
  it('conj_id that no conjunction sets, and a conjunction no conj_id flow selects', () => {
    const t1 = table('priority=50,conj_id=9,ip actions=output:4');
    expect(brief(run(t1))).toEqual([`1:${colOf(t1, 1, 'conj_id')} warning conjunction-incomplete`]);
    const t2 = table('priority=50,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)', 'priority=50,tcp,tp_dst=80 actions=conjunction(7,2/2)');
    const fs = run(t2);
    expect(brief(fs)).toEqual([`1:${colOf(t2, 1, 'conjunction(')} warning conjunction-incomplete`]);
    expect(fs[0].message).toContain('conj_id=7');
  });
  it('near miss: complete, with its conj_id flow; the same id in another table is another conjunction', () => {
    expect(run(table(
      'priority=50,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)',
      'priority=50,ip,nw_src=10.0.0.2 actions=conjunction(7,1/2)',
      'priority=50,tcp,tp_dst=80 actions=conjunction(7,2/2)',
      'priority=50,conj_id=7,ip actions=output:4',
    ))).toEqual([]);
    expect(brief(run(table(
      'table=0,priority=50,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)',
      'table=0,priority=50,tcp,tp_dst=80 actions=conjunction(7,2/2)',
      'table=0,priority=50,conj_id=7,ip actions=resubmit(,1)',
      'table=1,priority=50,conj_id=7,ip actions=output:4',
    )))).toEqual(['4:21 warning conjunction-incomplete']);
  });
});

describe('register-read-never-written', () => {
  const run = only('register-read-never-written');
  it('a matched register bit nothing writes is a note at the match item', () => {
    const t = table('table=0,ip actions=load:0x1->NXM_NX_REG3[0],resubmit(,1)', 'table=1,ip,reg3=0x2/0x2 actions=drop');
    const fs = run(t);
    expect(brief(fs)).toEqual([`2:${colOf(t, 2, 'reg3')} note register-read-never-written`]);
    expect(fs[0].message).toContain('reg3 bits 0x2');
  });
  it('reads by move and by a ct zone count; writes by move, set_field, pop and learn count', () => {
    const t = table('table=0,ip actions=move:NXM_NX_REG5[]->NXM_NX_REG6[],ct(table=1,zone=NXM_NX_REG7[0..15])', 'table=1,ip actions=drop');
    expect(run(t).map((f) => `${f.col} ${f.message.split(',')[0]}`)).toEqual([
      `${colOf(t, 1, 'move')} reads reg5 bits 0xffffffff`,
      `${colOf(t, 1, 'ct(')} reads reg7 bits 0xffff`,
    ]);
    expect(run(table(
      'table=0,ip actions=set_field:1->reg1,move:NXM_NX_REG1[]->NXM_NX_REG2[],push:NXM_NX_REG2[],pop:NXM_NX_REG3[],learn(table=1,eth_type=0x800,load:NXM_NX_REG3[]->NXM_NX_REG4[]),resubmit(,1)',
      'table=1,ip,reg1=1,reg2=1,reg3=1,reg4=1 actions=drop',
    ))).toEqual([]);
  });
  it('xxreg views write the registers under them', () => {
    expect(run(table('table=0,ip actions=load:0x1->NXM_NX_XXREG0[96],resubmit(,1)', 'table=1,ip,reg0=0x1/0x1 actions=drop'))).toEqual([]);
    expect(brief(run(table('table=0,ip actions=load:0x1->NXM_NX_XXREG0[0],resubmit(,1)', 'table=1,ip,reg0=0x1/0x1 actions=drop'))))
      .toEqual(['2:12 note register-read-never-written']);
  });
});

describe('choosing rules', () => {
  it('every rule has a distinct id and a summary', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.summary.length).toBeGreaterThan(10);
  });
  it('--rule keeps, --disable drops', () => {
    expect(selectRules(['shadowed', 'duplicate'], []).map((r) => r.id)).toEqual(['shadowed', 'duplicate']);
    expect(selectRules([], ['shadowed']).map((r) => r.id)).not.toContain('shadowed');
    expect(selectRules([], ['shadowed'])).toHaveLength(RULES.length - 1);
  });
  it('an unknown id is an error with the nearest id, or the ids it starts', () => {
    expect(() => selectRules(['shadowd'], [])).toThrow(new RuleSelectionError("--rule: unknown rule 'shadowd' (did you mean 'shadowed'?)"));
    expect(() => selectRules([], ['ct-state'])).toThrow("--disable: unknown rule 'ct-state' (rules starting with it: ct-state-without-trk, ct-state-impossible, ct-state-before-ct)");
    expect(() => selectRules(['zzz'], [])).toThrow(/^--rule: unknown rule 'zzz'$/);
  });
});
