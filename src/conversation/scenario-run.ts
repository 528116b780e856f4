// Runs scenarios: each one's packets replayed through the pipeline with a fresh tracker,
// every expectation checked right after its packet; then the verdicts as text (one line
// per scenario, the failures under it) or JSON. Pure: the caller builds the pipeline and
// says how to make a tracker.
import type { Conntrack } from '../conntrack/index.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { ctStateText } from '../pipeline/run.js';
import { check, passesOf } from './check.js';
import { verdictLine } from './render.js';
import { Replay, type NewTables, type PacketVerdict } from './replay.js';
import type { TableChange } from './read.js';
import type { Scenario } from './scenario.js';

export interface ScenarioEnv {
  /** A new pipeline for each scenario: learn() adds flows to the one it runs on. */
  pipeline: () => Pipeline;
  /** A new tracker for each scenario (preloaded when the file says `conntrack`). */
  conntrack: () => Conntrack;
  portNames?: Map<number, string>;
  /** Flow file line → table, to explain a `table T flow at line N` that cannot hold. */
  flowTables?: Map<number, number>;
  /** The flows of each `@S flows PATH` line (read by the caller). */
  tables?: ReadonlyMap<TableChange, NewTables>;
}

export interface Failure {
  file: string; line: number; col: number;
  /** The expectation as written. */
  expectation: string;
  expected: string;
  got: string;
  /** The packet: its verdict line (as `ctflow run` prints it) and each pass's path. */
  packet: { number: number; line: number; verdict: string; passes: string[] };
}

export interface ScenarioResult {
  name: string; file: string; line: number;
  packets: number; expectations: number;
  failures: Failure[];
}

/** `pass 2 (recirc 0x1, ct_state est|rpl|trk): tables 8 9 … 37 -> ct(zone=8,nat),recirc(0x2)` */
export function passPaths(v: PacketVerdict): string[] {
  return passesOf(v.result).map((p, i) => {
    const tables = p.lookups.map((l) => (l.flow ? String(l.table) : `${l.table}(miss)`));
    // A pass thawed after a select group's dp_hash recirculation starts inside a flow.
    const resumed = p.start.kind === 'thaw' ? `resumed in table ${p.start.table}` : '';
    const how = p.recircId ? ` (recirc 0x${p.recircId.toString(16)}, ct_state ${ctStateText(p.ctState)})` : '';
    const looked = tables.length ? `tables ${tables.join(' ')}` : resumed ? '' : 'tables (none)';
    return `pass ${i + 1}${how}: ${[resumed, looked].filter(Boolean).join(', ')} -> ${p.datapathActions}`;
  });
}

export function runScenario(s: Scenario, env: ScenarioEnv): ScenarioResult {
  // No trace text: every expectation reads the passes as data.
  const replay = new Replay({ pipeline: env.pipeline(), conntrack: env.conntrack(), passes: true, tables: env.tables });
  const ctx = { portNames: env.portNames, flowTables: env.flowTables };
  const failures: Failure[] = [];
  let expectations = 0;
  s.steps.forEach((step, i) => {
    const v = replay.send(step.packet);
    // After a table change, `flow at line N` means a line of the newest flow file.
    const newest = step.packet.flowsBefore?.at(-1);
    const now = newest && env.flowTables ? env.tables?.get(newest) : undefined;
    if (now) ctx.flowTables = new Map(now.flows.map((f) => [f.line, f.table]));
    for (const e of step.expects) {
      expectations++;
      const miss = check(e, v, ctx);
      if (!miss) continue;
      failures.push({
        file: s.file, line: e.line, col: e.start + 1, expectation: e.text, ...miss,
        packet: { number: i + 1, line: step.packet.line, verdict: verdictLine(v, i, { portNames: env.portNames }), passes: passPaths(v) },
      });
    }
  });
  return { name: s.name, file: s.file, line: s.line, packets: s.steps.length, expectations, failures };
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

export function summaryOf(results: ScenarioResult[]): string {
  const failed = results.filter((r) => r.failures.length).length;
  const exp = results.reduce((n, r) => n + r.expectations, 0);
  const expFailed = results.reduce((n, r) => n + r.failures.length, 0);
  return `${plural(results.length, 'scenario')}: ${results.length - failed} passed, ${failed} failed`
    + ` (${plural(exp, 'expectation')}, ${expFailed} failed)`;
}

export function renderScenarioText(results: ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const counts = `${plural(r.packets, 'packet')}, ${plural(r.expectations, 'expectation')}`;
    if (!r.failures.length) { out.push(`PASS ${r.name} (${counts})`); continue; }
    out.push(`FAIL ${r.name} (${counts}, ${r.failures.length} failed)`);
    r.failures.forEach((f, i) => {
      out.push(`  ${f.file}:${f.line}:${f.col}: ${f.expectation}`);
      out.push(`    expected: ${f.expected}`);
      out.push(`    got:      ${f.got}`);
      // The packet once, under the last failure about it.
      if (r.failures[i + 1]?.packet.number === f.packet.number) return;
      out.push(`    packet ${f.packet.verdict} (line ${f.packet.line})`);
      for (const p of f.packet.passes) out.push(`      ${p}`);
    });
  }
  out.push(summaryOf(results));
  return out.join('\n') + '\n';
}

export function renderScenarioJson(results: ScenarioResult[]): unknown {
  const failed = results.filter((r) => r.failures.length).length;
  return {
    scenarios: results.map((r) => ({ ...r, passed: r.failures.length === 0 })),
    passed: results.length - failed,
    failed,
    expectations: results.reduce((n, r) => n + r.expectations, 0),
    failed_expectations: results.reduce((n, r) => n + r.failures.length, 0),
  };
}
