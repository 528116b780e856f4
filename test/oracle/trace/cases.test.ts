// Integrity of the recorded ofproto/trace cases (the data, not ctflow): every case folder
// is complete, and expect.json agrees with trace.txt and with the inputs it claims were
// used. A hand edit of one file without re-recording breaks these checks.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Section {
  header: string | null;
  flow: string | null;
  final_flow: string | null;
  megaflow: string | null;
  datapath_actions: string | null;
}

interface Expect {
  command: string;
  trace_rc: number;
  datapath_actions: string | null;
  final_flow: string | null;
  megaflow: string | null;
  recirculations: Section[];
  dpctl_show: string;
  setup_errors?: string[];
  trace_error?: string;
  learned_flows?: string[];
  flows_after: string[];
  output_order_unstable?: boolean;
}

const CASES = join(import.meta.dirname, 'cases');
const names = readdirSync(CASES).sort();
const read = (c: string, f: string): string => readFileSync(join(CASES, c, f), 'utf8');
const linesOf = (text: string): string[] =>
  text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

// Every value printed after `prefix` in the trace, in order (one per section).
function printed(trace: string, prefix: string): string[] {
  return trace.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

describe('recorded ofproto/trace cases', () => {
  it('has enough cases to be a corpus', () => {
    expect(names.length).toBeGreaterThanOrEqual(120);
  });

  it('every folder has flows.txt, a one-line packet.txt, trace.txt and expect.json', () => {
    for (const c of names) {
      for (const f of ['flows.txt', 'packet.txt', 'trace.txt', 'expect.json']) {
        expect(existsSync(join(CASES, c, f)), `${c}/${f}`).toBe(true);
      }
      expect(linesOf(read(c, 'packet.txt')), `${c}/packet.txt`).toHaveLength(1);
    }
  });

  for (const c of names) {
    it(`${c}: expect.json matches trace.txt and the inputs`, () => {
      const e = JSON.parse(read(c, 'expect.json')) as Expect;
      const trace = read(c, 'trace.txt');
      const packet = linesOf(read(c, 'packet.txt'))[0] ?? '';
      expect(e.command).toContain(packet);
      const ctNext = existsSync(join(CASES, c, 'ct_next.txt')) ? linesOf(read(c, 'ct_next.txt')) : [];
      expect(e.command.split('--ct-next ').length - 1).toBe(ctNext.length);

      const sections = [
        { datapath_actions: e.datapath_actions, final_flow: e.final_flow, megaflow: e.megaflow },
        ...e.recirculations,
      ];
      const actions = printed(trace, 'Datapath actions: ');
      const finals = printed(trace, 'Final flow: ');
      if (e.trace_rc !== 0) {
        expect(actions).toEqual([]);
        expect(e.trace_error).toBeTruthy();
        return;
      }
      expect(sections.map((s) => s.datapath_actions)).toEqual(actions);
      expect(sections.map((s) => s.final_flow)).toEqual(finals);
      expect(trace.split('\n').filter((l) => /^recirc\(0x[0-9a-f]+\) - /.test(l))).toHaveLength(e.recirculations.length);
    });
  }

  it('reject-* cases record an ovs-ofctl refusal and no other case does', () => {
    for (const c of names) {
      const e = JSON.parse(read(c, 'expect.json')) as Expect;
      expect(e.setup_errors !== undefined, c).toBe(c.startsWith('reject-'));
    }
  });

  it('trace-error-* cases are exactly the ones whose packet OVS refused', () => {
    for (const c of names) {
      const e = JSON.parse(read(c, 'expect.json')) as Expect;
      expect(e.trace_rc !== 0, c).toBe(c.startsWith('trace-error-'));
    }
  });
});
