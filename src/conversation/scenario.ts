// Reads a scenario file: a conversation with a header saying what to run it on and
// `expect` lines saying what must happen. A .conv file becomes a scenario by adding lines.
//
//   flows ../ovn-acl.flows          # the flow table (required); paths relative to this file
//   groups ../ovn-acl.groups        # optional
//   ports ../ovn-acl.ports          # `ovs-ofctl show` output, or vm1=1,vm2=2
//   profile userspace               # conntrack profile: kernel (default) or userspace
//   sysctl nf_conntrack_tcp_loose=0 # conntrack knob (repeatable)
//   conntrack saved.ct              # start from a saved conntrack table
//   controller                      # a controller is connected (OVN: ovn-controller)
//
//   scenario http allowed           # optional: several named scenarios per file
//   @0.000 tcp,in_port=vm1,…  seq=1000 ack=0 win=64240 len=0
//   expect output vm2
//   expect conntrack zone=1 tcp SYN_SENT count=1
//   @0.900 flows ../acl-change/deleted.flows   # from then on these tables (conntrack kept)
//
// Directives come before the first packet or scenario and apply to every scenario of the
// file. Each scenario starts at time 0 with a fresh conntrack. Packets before the first
// `scenario` line form a scenario named after the file. Reading is in two steps because
// packet lines need the port names of the `ports` file: readScenarioHeader, then (once the
// caller has read the files it names) readScenarios. Pure: no file is opened here.
import { CtConfigError, newConntrack, type Profile } from '../conntrack/index.js';
import type { Diagnostic } from '../parse/diagnostic.js';
import { diagnosticAt, sourceLines, type SourceLine } from '../parse/flows.js';
import { didYouMean } from '../util/suggest.js';
import { readExpectation, type Expectation } from './expect.js';
import { DIRECTIVES, LineError, parseLine, type LineSyntax, type Tok } from './line.js';
import { readPacketLine, TableChanges, type Arg, type ConvPacket } from './read.js';

export type { Arg } from './read.js';

export interface ScenarioHeader {
  flows: Arg | null;
  groups: Arg | null;
  ports: Arg | null;
  conntrack: Arg | null;
  profile: Profile;
  sysctls: Map<string, string>;
  controller: boolean;
}

export interface ScenarioStep { packet: ConvPacket; expects: Expectation[] }

export interface Scenario {
  name: string;
  file: string;
  /** Line of its `scenario` line (0 for the unnamed one). */
  line: number;
  steps: ScenarioStep[];
}

type Parsed = { src: SourceLine; syn: LineSyntax };

/** Parses every line; bad ones become diagnostics. */
function parseLines(text: string, file: string, diagnostics: Diagnostic[]): Parsed[] {
  const out: Parsed[] = [];
  for (const src of sourceLines(text)) {
    try { out.push({ src, syn: parseLine(src.text) }); } catch (e) {
      if (!(e instanceof LineError)) throw e;
      diagnostics.push(diagnosticAt(file, src, e, e.message));
    }
  }
  return out;
}

const isBody = (s: LineSyntax) => s.kind !== 'directive';
const argOf = (src: SourceLine, t: Tok): Arg => ({ text: t.text, line: src.line, start: t.start, end: t.end, src });

function applyDirective(h: ScenarioHeader, src: SourceLine, name: Tok, arg: Tok | null, seen: Set<string>, sysctlArgs: Arg[]): void {
  const n = name.text;
  if (n === 'controller') {
    if (arg) throw new LineError(arg.start, arg.end, "'controller' takes no argument");
    h.controller = true;
    return;
  }
  if (!arg) throw new LineError(name.end, name.end + 1, `'${n}' needs ${n === 'profile' ? 'kernel or userspace' : n === 'sysctl' ? 'NAME=VALUE' : 'a file'}`);
  if (n !== 'sysctl') {
    if (seen.has(n)) throw new LineError(name.start, name.end, `'${n}' given twice`);
    seen.add(n);
  }
  switch (n) {
    case 'profile':
      if (arg.text !== 'kernel' && arg.text !== 'userspace') {
        throw new LineError(arg.start, arg.end, `unknown profile '${arg.text}'${didYouMean(arg.text, ['kernel', 'userspace'])} (kernel or userspace)`);
      }
      h.profile = arg.text;
      return;
    case 'sysctl': {
      const eq = arg.text.indexOf('=');
      if (eq <= 0) throw new LineError(arg.start, arg.end, `expected NAME=VALUE, got '${arg.text}'`);
      h.sysctls.set(arg.text.slice(0, eq), arg.text.slice(eq + 1));
      sysctlArgs.push(argOf(src, arg));
      return;
    }
    case 'flows': case 'groups': case 'ports': case 'conntrack':
      h[n] = argOf(src, arg);
      return;
  }
  throw new Error(`internal: directive ${n} has no reader`);
}

/** The header: what the scenarios run on. Diagnostics cover directives only. */
export function readScenarioHeader(text: string, file: string): { header: ScenarioHeader; diagnostics: Diagnostic[] } {
  const h: ScenarioHeader = { flows: null, groups: null, ports: null, conntrack: null, profile: 'kernel', sysctls: new Map(), controller: false };
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const sysctlArgs: Arg[] = [];
  let body = false;
  for (const { src, syn } of parseLines(text, file, [])) {
    if (isBody(syn)) { body = true; continue; }
    if (syn.kind !== 'directive') continue;
    try {
      if (body) {
        const later = syn.name.text === 'flows' ? ' (to change the tables at a point in time: @SECONDS flows PATH)' : '';
        throw new LineError(syn.name.start, syn.name.end, `'${syn.name.text}' after the first packet or scenario: directives belong in the header, before them${later}`);
      }
      applyDirective(h, src, syn.name, syn.arg, seen, sysctlArgs);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      diagnostics.push(diagnosticAt(file, src, e, e.message));
    }
  }
  if (!h.flows) {
    diagnostics.unshift({ file, line: 1, col: 1, len: 1, message: `no 'flows' directive: a scenario file names its flow table (flows PATH); directives: ${DIRECTIVES.join(', ')}`, lineText: text.split('\n')[0] ?? '' });
  }
  // The profile may come after a sysctl line: each knob is checked against the final profile.
  for (const a of sysctlArgs) {
    const eq = a.text.indexOf('=');
    try { newConntrack({ profile: h.profile, sysctls: new Map([[a.text.slice(0, eq), a.text.slice(eq + 1)]]) }); } catch (e) {
      if (!(e instanceof CtConfigError)) throw e;
      diagnostics.push(diagnosticAt(file, a.src, a, e.message));
    }
  }
  return { header: h, diagnostics };
}

export interface ReadScenariosOpts { ports?: Map<string, number>; profile: Profile }

/** The scenarios: packets with their expectations. Diagnostics cover every non-directive line. */
export function readScenarios(text: string, file: string, o: ReadScenariosOpts): { scenarios: Scenario[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const scenarios: Scenario[] = [];
  const baseName = file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  let cur: Scenario | null = null;
  let prevMs = 0;
  const names = new Set<string>();
  const starts = new Map<Scenario, { src: SourceLine; span: { start: number; end: number } }>();
  const ctx = { ports: o.ports ?? new Map<string, number>(), profile: o.profile };
  const changes = new TableChanges();
  for (const { src, syn } of parseLines(text, file, diagnostics)) {
    try {
      if (syn.kind === 'directive') continue;
      if (syn.kind === 'flows') { prevMs = changes.add(syn, src, prevMs); continue; }
      if (syn.kind === 'scenario') {
        changes.unused(file, diagnostics);
        if (names.has(syn.name.text)) throw new LineError(syn.name.start, syn.name.end, `scenario '${syn.name.text}' given twice`);
        names.add(syn.name.text);
        cur = { name: syn.name.text, file, line: src.line, steps: [] };
        scenarios.push(cur);
        starts.set(cur, { src, span: syn.name });
        prevMs = 0;
        continue;
      }
      if (syn.kind === 'packet') {
        const flowsBefore = changes.take(); // a bad packet line drops them: it is reported already
        const r = readPacketLine(syn, prevMs, { ports: o.ports });
        if (!cur) {
          cur = { name: baseName, file, line: 0, steps: [] };
          scenarios.push(cur);
          names.add(baseName);
          starts.set(cur, { src, span: { start: 0, end: src.text.trimEnd().length } });
        }
        cur.steps.push({ packet: { line: src.line, ...r, ...(flowsBefore ? { flowsBefore } : {}) }, expects: [] });
        prevMs = r.timeMs;
        continue;
      }
      const step = cur?.steps[cur.steps.length - 1];
      if (!step) throw new LineError(syn.keyword.start, syn.keyword.end, "'expect' before any packet: an expectation follows the packet it is about");
      const kind = readExpectation(syn.what, ctx, file);
      step.expects.push({ ...kind, line: src.line, start: syn.span.start, end: syn.span.end, text: src.text.slice(syn.span.start, syn.span.end) });
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      diagnostics.push(diagnosticAt(file, src, e, e.message));
    }
  }
  changes.unused(file, diagnostics);
  // A scenario that expects nothing cannot fail: refused like a syntax error (unless the
  // file has errors already, which may be why its lines are missing).
  if (diagnostics.length) return { scenarios, diagnostics };
  for (const s of scenarios) {
    const at = starts.get(s);
    const why = !s.steps.length ? 'has no packets' : s.steps.every((x) => !x.expects.length) ? 'has no expect lines (it could never fail)' : null;
    if (!why) continue;
    if (at) diagnostics.push(diagnosticAt(file, at.src, at.span, `scenario '${s.name}' ${why}`));
  }
  if (!scenarios.length) diagnostics.push({ file, line: 1, col: 1, len: 1, message: 'no packets: a scenario file has packet lines ([@SECONDS] FLOW-SYNTAX …) and expect lines', lineText: text.split('\n')[0] ?? '' });
  return { scenarios, diagnostics };
}
