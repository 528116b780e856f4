// The action set where a pass does not simply end, replayed with a tracker as `ctflow run`
// replays a packet, against real ovs-vswitchd 3.1 receiving one TCP SYN on the userspace
// datapath (test/oracle/actset-freeze/README.md, and the freeze cases of
// test/oracle/lint-actset/): a clone() or a check_pkt_larger branch runs its own copy of
// the set; a freeze (ct(table=N), a dp_hash select group, controller(pause)) keeps the set
// and the thawed pass runs it — or, when the set takes more bytes than the actions frozen
// with it, ovs-vswitchd aborts, which ctflow reports as an error instead of a forwarding.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { VswitchdAbort } from '../../src/pipeline/action-set.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { formatTraceText } from '../../src/trace/text.js';

const ORACLE = join(import.meta.dirname, '..', 'oracle');
const OWN = join(ORACLE, 'actset-freeze');
const LINT = join(ORACLE, 'lint-actset');
const FREEZE_BYTES: Array<[string, number, number]> = JSON.parse(readFileSync(join(ORACLE, 'freeze-bytes', 'sizes.json'), 'utf8')).cases;
const caseDirs = [
  ...readdirSync(OWN).filter((c) => existsSync(join(OWN, c, 'vswitchd.txt'))).map((c) => join(OWN, c)),
  ...readdirSync(LINT).filter((c) => existsSync(join(LINT, c, 'vswitchd.txt'))).map((c) => join(LINT, c)),
].sort();
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const name = (dir: string) => dir.slice(ORACLE.length + 1);
const gone = (dir: string) => read(dir, 'vswitchd.txt').includes('ovs-vswitchd: gone');

/** The packet record-packet.sh sent: the SYN of packet.txt (seq/ack/window 0), padded to len.txt bytes. */
function replay(dir: string) {
  const flows = readFlows(read(dir, 'flows.txt'), 'flows.txt', { ofVersion: 13 });
  const groups = existsSync(join(dir, 'groups.txt')) ? readGroups(read(dir, 'groups.txt'), 'groups.txt') : { groups: [], diagnostics: [] };
  expect([...flows.diagnostics, ...groups.diagnostics]).toEqual([]);
  const pipeline = buildPipeline(flows.flows, {
    groups: groups.groups, ofVersion: 13,
    ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 },
  });
  const packet = 'tcp,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=40000,tp_dst=80,tcp_flags=syn';
  const pad = existsSync(join(dir, 'len.txt')) ? Number(read(dir, 'len.txt')) - 54 : 0;
  // packet.dp: another packet than the SYN (an MPLS frame), the same as packet.txt.
  const line = existsSync(join(dir, 'packet.dp')) ? read(dir, 'packet.txt').trim() : `${packet} seq=0 ack=0 win=0 len=${pad}`;
  const conv = readConversation(`@0 ${line}\n`, 'packet');
  expect(conv.diagnostics).toEqual([]);
  const r = new Replay({ pipeline, conntrack: newConntrack({ profile: 'userspace' }), trace: true });
  return r.send(conv.packets[0]).result;
}

/** Packets each port sent, from the recorded `port N tx pkts=…` lines (or dump-ports output). */
function recordedTx(dir: string): Map<number, number> {
  const tx = new Map<number, number>();
  const text = read(dir, 'vswitchd.txt');
  for (const [, p, n] of text.matchAll(/^port (\d) tx pkts=(\d+)/gm)) tx.set(Number(p), Number(n));
  // lint-actset's layout: `  port  N: rx …` then `           tx pkts=…`.
  for (const [, p, n] of text.matchAll(/^\s+port\s+(\d):.*\n\s+tx pkts=(\d+)/gm)) tx.set(Number(p), Number(n));
  return tx;
}

describe('a packet through a freeze with the action set, as ovs-vswitchd 3.1 handled it', () => {
  it('has the recorded cases: switches that died and switches that lived', () => {
    expect(caseDirs.filter(gone).length).toBeGreaterThanOrEqual(10);
    expect(caseDirs.filter((d) => !gone(d)).length).toBeGreaterThanOrEqual(8);
  });

  for (const dir of caseDirs.filter(gone)) {
    it(`${name(dir)}: ovs-vswitchd aborted; ctflow stops with an error saying so`, () => {
      expect(read(dir, 'vswitchd.txt')).toContain('assertion state->action_set_len <= state->ofpacts_len failed in recirc_alloc_id__()');
      let err: unknown;
      try { replay(dir); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(VswitchdAbort);
      expect((err as Error).message).toMatch(/^ovs-vswitchd 3\.1 aborts here: .* freezes the translation while the action set holds .*action_set_len <= ofpacts_len in recirc_alloc_id__\(\) fails and the whole process dies/);
    });
  }

  // After pop_mpls OVS parses the packet again from bytes an `mpls,…` packet does not carry:
  // ctflow refuses to go on there with a tracker (src/pipeline/freeze.ts).
  it('pop-mpls-set-fits: ovs-vswitchd lived (port 2 sent); ctflow refuses the recirculation after pop_mpls, named', () => {
    const dir = join(OWN, 'pop-mpls-set-fits');
    expect(recordedTx(dir).get(2)).toBe(1);
    expect(() => replay(dir)).toThrow(/the recirculation after pop_mpls .* is not supported/);
  });

  for (const dir of caseDirs.filter((d) => !gone(d) && !d.endsWith('pop-mpls-set-fits'))) {
    it(`${name(dir)}: ovs-vswitchd lived; ctflow sends what each port sent`, () => {
      const r = replay(dir);
      expect(r.failure).toBeNull();
      const tx = new Map<number, number>();
      for (const p of r.outputs) tx.set(p, (tx.get(p) ?? 0) + 1);
      for (const [p, n] of recordedTx(dir)) expect(tx.get(p) ?? 0, `port ${p}`).toBe(n);
    });
  }

  // OVS's sizes per recorded freeze: test/oracle/freeze-bytes/README.md.
  it.each(FREEZE_BYTES)('%s: a set of %i bytes beside %i frozen: dies exactly when bigger, and ctflow counts the same', (c, set, frozen) => {
    const dir = join(ORACLE, c);
    expect(gone(dir)).toBe(set > frozen);
    let msg = '';
    try { replay(dir); } catch (e) { msg = (e as Error).message; }
    if (set > frozen) expect(msg).toContain(`(${set} bytes) and the actions frozen with it take ${frozen};`);
    else expect(msg).toBe('');
  });
});

describe('the thawed pass restores the set and runs it', () => {
  for (const c of ['dp-hash-set-at-limit', 'dp-hash-set-rest-room']) {
    it(`${c}: datapath actions of both passes, and the resumed pass as ofproto/trace showed it`, () => {
      const dir = join(OWN, c);
      const r = replay(dir);
      const flows = read(dir, 'datapath-flows.txt').split('\n').filter((l) => l.includes(' actions:'));
      const actionsOf = (id: string) => flows.find((l) => l.includes(`recirc_id(${id})`))!.split(' actions:')[1];
      expect(r.datapathActions).toEqual([actionsOf('0'), actionsOf('0x1')]);
      const recorded = read(dir, 'resumed-traces.txt');
      // Lines as printed, leading spaces kept (`Restoring actions:`, the last thaw child, 8 columns in).
      const thaw = (t: string) => t.split('\n').filter((l) => /^\s*(Restoring|unroll_xlate|restored state|--\.|Datapath actions)/.test(l) || /^ {4}\S/.test(l))
        .map((l) => l.trimEnd());
      const ours = formatTraceText({ passes: [r.trace.passes[1]] });
      expect(thaw(ours)).toEqual(thaw(recorded));
      expect(ours).toMatch(/^ {12}Restoring action set: /m);
    });
  }
});
