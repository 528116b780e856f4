// Checks one expectation against what a packet did (its PacketVerdict from the replay):
// null when it holds, else what was expected and what happened, in the words `ctflow run`
// and ofproto/trace use. Reads the run's passes as data (PacketResult.passes: the replay
// runs with `passes`), never the trace text. Pure.
import { ones } from '../model/bits.js';
import { FlowError } from '../model/errors.js';
import { SLOTS } from '../model/fields.js';
import { newMatch, type Match } from '../model/match.js';
import { formatMatch } from '../model/print-match.js';
import type { Packet } from '../packet/packet.js';
import type { PacketResult } from '../pipeline/run.js';
import type { Lookup, PassResult } from '../pipeline/run-types.js';
import type { CtFilter, Expectation } from './expect.js';
import { FrameError, outputFrames } from './frames.js';
import { destination, portName } from './render.js';
import type { PacketVerdict } from './replay.js';

export interface CheckCtx {
  portNames?: Map<number, string>;
  /** Flow file line → table (to say why a `flow at line N` cannot be found). */
  flowTables?: Map<number, number>;
}

export interface Miss { expected: string; got: string }

const sorted = (a: readonly number[]) => [...a].sort((x, y) => x - y);
/** A packet-in really sent: with no controller connected OVS marks it dont_send=1. */
const PACKET_IN = /controller\([^)]*dont_send=0/;

/** The run's passes as data; a run without RunOptions.passes is a caller's bug. */
export function passesOf(r: PacketResult): PassResult[] {
  if (!r.passes) throw new Error('internal: the packet ran without RunOptions.passes');
  return r.passes;
}

/** The packet as pass N started (`Flow:`), or at the end of the last pass (`Final flow:`). */
function packetAt(v: PacketVerdict, pass: number | 'last' | null): Packet | string {
  const passes = passesOf(v.result);
  const n = passes.length;
  if (pass === null) return passes[n - 1].final;
  const i = pass === 'last' ? n - 1 : pass - 1;
  if (i >= n) return `the packet had ${n === 1 ? '1 pass' : `${n} passes`} (no recirculation ${i})`;
  return passes[i].packet;
}

function matches(m: Match, p: Packet): boolean {
  for (const [slot, mask] of m.masks) {
    if (((p.slots.get(slot) ?? 0n) & mask) !== (m.values.get(slot) ?? 0n)) return false;
  }
  return true;
}

/** The packet's whole values of the slots an expectation looks at. */
function actualOf(m: Match, p: Packet, names?: Map<number, string>): string {
  const a = newMatch();
  for (const slot of m.masks.keys()) {
    a.values.set(slot, p.slots.get(slot) ?? 0n);
    a.masks.set(slot, ones(SLOTS.get(slot) ?? 128));
  }
  return formatMatch(a, 32768, { portNames: names }) || '(none)';
}

function tableLookups(passes: readonly PassResult[], table: number): Lookup[] {
  const out: Lookup[] = [];
  for (const p of passes) for (const l of p.lookups) if (l.table === table) out.push(l);
  return out;
}

const lookupText = (l: Lookup) =>
  l.flow ? `line ${l.flow.line} (priority ${l.flow.priority}, cookie 0x${l.flow.cookie.toString(16)})` : 'no flow (miss)';

/** What a filter reads from an entry line of either profile's printer. */
export function entryFacts(line: string): CtFilter {
  const num = (re: RegExp) => { const m = re.exec(line); return m ? Number(m[1]) : 0; };
  const user = /^(\w+),orig=\(src=([^,]+),dst=([^,)]+)(?:,sport=(\d+),dport=(\d+))?/.exec(line);
  if (user) {
    return {
      proto: user[1], src: user[2], dst: user[3], sport: Number(user[4] ?? 0), dport: Number(user[5] ?? 0),
      zone: num(/,zone=(\d+)/), mark: num(/,mark=(\d+)/), state: /state(?:_orig)?=(\w+)/.exec(line)?.[1],
    };
  }
  const kernel = /^(\w+)\s+\d+\s+\d+\s+(?:([A-Z_0-9]+)\s+)?src=(\S+) dst=(\S+)(?: sport=(\d+) dport=(\d+))?/.exec(line);
  if (!kernel) return {};
  return {
    proto: kernel[1], state: kernel[2], src: kernel[3], dst: kernel[4], sport: Number(kernel[5] ?? 0), dport: Number(kernel[6] ?? 0),
    zone: num(/ zone=(\d+)/), mark: num(/ mark=(\d+)/),
  };
}

function filterText(f: CtFilter): string {
  const keys: Array<keyof CtFilter> = ['zone', 'mark', 'src', 'dst', 'sport', 'dport'];
  return [f.proto, f.state, ...keys.filter((k) => f[k] !== undefined).map((k) => `${k}=${f[k]}`)].filter(Boolean).join(' ') || 'any';
}

/** Entry lines compared without what the expectation leaves out: timeouts unless written. */
function normaliseEntry(line: string, keepTimeout: boolean): string {
  const kernel = /^(\w+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line.trim());
  if (kernel) return `${kernel[1]} ${kernel[2]} ${keepTimeout ? kernel[3] + ' ' : ''}${kernel[4].replace(/\s+/g, ' ')}`;
  return keepTimeout ? line.trim() : line.trim().replace(/,timeout=\d+/, '');
}

/** Every frame sent to the expected ports has the expected headers. */
function checkFrames(m: Match, output: string, v: PacketVerdict, ctx: CheckCtx): Miss | null {
  const expected = `${output} with ${formatMatch(m, 32768, { portNames: ctx.portNames })}`;
  let frames;
  try { frames = outputFrames(passesOf(v.result)); } catch (err) {
    if (err instanceof FrameError || err instanceof FlowError) return { expected, got: err.message };
    throw err;
  }
  const bad = frames.filter((f) => !matches(m, f.packet));
  if (!bad.length) return null;
  return { expected, got: bad.map((f) => `${portName(f.port, ctx.portNames)}: ${actualOf(m, f.packet, ctx.portNames)}`).join('; ') };
}

const tableText = (lines: string[]) => (lines.length ? lines.map((l) => `\n      ${l}`).join('') : ' (empty)');

export function check(e: Expectation, v: PacketVerdict, ctx: CheckCtx): Miss | null {
  const r = v.result;
  switch (e.kind) {
    case 'output': {
      const want = sorted(e.ports), got = sorted(r.outputs);
      const expected = 'output ' + want.map((p) => portName(p, ctx.portNames)).join(', ');
      if (want.length !== got.length || want.some((p, i) => p !== got[i])) return { expected, got: destination(v, ctx.portNames) };
      return e.frames ? checkFrames(e.frames, expected, v, ctx) : null;
    }
    case 'drop':
      return r.outputs.length ? { expected: 'drop (no output)', got: destination(v, ctx.portNames) } : null;
    case 'controller': {
      if (r.datapathActions.some((a) => PACKET_IN.test(a))) return null;
      const unsent = r.datapathActions.some((a) => a.includes('dont_send=1')) ? ' (dont_send=1: no controller is connected; add the `controller` directive)' : '';
      return { expected: 'a packet-in (controller action)', got: `${destination(v, ctx.portNames)}; datapath actions: ${r.datapathActions.join(' | ')}${unsent}` };
    }
    case 'fields': {
      const p = packetAt(v, e.pass);
      const where = e.pass === null ? 'at the end of the last pass' : `as pass ${e.pass} started`;
      const expected = `${formatMatch(e.match, 32768, { portNames: ctx.portNames })} ${where}`;
      if (typeof p === 'string') return { expected, got: p };
      if (matches(e.match, p)) return null;
      let got = actualOf(e.match, p, ctx.portNames);
      // ct() without table= leaves the flow untracked, so a final ct_state is mostly 0.
      if (e.pass === null && e.match.masks.has('ct_state') && !p.slots.get('ct_state')) {
        got += ' (the last pass ends after a ct() without table=, which clears ct_state; `expect pass N ct_state=…` checks the state a pass resumed with)';
      }
      return { expected, got };
    }
    case 'table': {
      const seen = tableLookups(passesOf(r), e.table);
      const hit = seen.some((l) => (e.by === 'miss' ? l.flow === null
        : e.by === 'line' ? l.flow?.line === Number(e.value) : l.flow !== null && l.flow.cookie === e.value));
      if (hit) return null;
      const expected = `table ${e.table}: ${e.by === 'miss' ? 'no flow (miss)' : e.by === 'line' ? `the flow at line ${e.value}` : `a flow with cookie 0x${e.value.toString(16)}`}`;
      let got = seen.length ? `table ${e.table}: ${seen.map(lookupText).join('; ')}` : `table ${e.table} was not looked up`;
      // A changed flow file may have moved or removed the flow: say so.
      const t = e.by === 'line' ? ctx.flowTables?.get(Number(e.value)) : e.table;
      if (ctx.flowTables && t !== e.table) got += t === undefined ? ` (no flow at line ${e.value} of the flow file)` : ` (line ${e.value} is a flow of table ${t})`;
      return { expected, got };
    }
    case 'conntrack': {
      const lines = v.conntrackBrief;
      const f = e.filter;
      const n = lines.filter((l) => {
        const x = entryFacts(l);
        return (Object.keys(f) as Array<keyof CtFilter>).every((k) => f[k] === x[k]);
      }).length;
      if (e.count === null ? n > 0 : n === e.count) return null;
      const want = e.count === null ? 'at least 1 entry' : `${e.count} ${e.count === 1 ? 'entry' : 'entries'}`;
      return { expected: `${want} matching ${filterText(f)}`, got: `${n} matching; the table:${tableText(lines)}` };
    }
    case 'conntrack-entry': {
      // conntrack -L always prints a timeout (ignored); dump-conntrack only with -s.
      const keep = !/^\w+\s+\d+\s+\d+\s/.test(e.entry) && /timeout=/.test(e.entry);
      const lines = e.more ? v.conntrack : v.conntrackBrief;
      const want = normaliseEntry(e.entry, keep);
      if (lines.some((l) => normaliseEntry(l, keep) === want)) return null;
      return { expected: "this entry in the table", got: `not there; the table:${tableText(lines)}` };
    }
  }
}
