// `ctflow fmt` and `ctflow parse --json`.
import { ones } from '../model/bits.js';
import { SLOTS } from '../model/fields.js';
import type { Flow } from '../model/flow.js';
import { formatActions, formatCtx, formatFlowLines } from '../model/print-flow.js';
import { formatMatch } from '../model/print-match.js';
import { readFlows } from '../parse/flows.js';
import { EXIT_BAD_INPUT, protocolVersion, readText, reportDiagnostics, toJson, UsageError } from './io.js';

export interface FmtOpts { ports: Map<string, number>; of15?: boolean; protocol?: string; names?: boolean }

/** The OpenFlow version asked for on the command line, or undefined: the dump header says. */
function askedVersion(opts: FmtOpts): number | undefined {
  const v = protocolVersion(opts.protocol);
  if (v === undefined) return opts.of15 ? 15 : undefined;
  if (opts.of15 && v !== 15) throw new UsageError(`--of15 contradicts --protocol ${opts.protocol}`);
  return v;
}

export function runFmt(files: string[], opts: FmtOpts): number {
  let status = 0;
  const asked = askedVersion(opts);
  for (const file of files) {
    const r = readFlows(readText(file), file, { ports: opts.ports });
    const portNames = opts.names ? new Map([...opts.ports].map(([n, v]) => [v, n])) : undefined;
    const out = formatFlowLines(r.flows, { ofVersion: asked ?? r.ofVersion, portNames });
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    if (r.diagnostics.length) { reportDiagnostics(r.diagnostics); status = EXIT_BAD_INPUT; }
  }
  return status;
}

function flowJson(f: Flow, file: string) {
  // The match by storage slot (OVS's struct flow members): value/mask in hex.
  const match: Record<string, string> = {};
  for (const [slot, mask] of [...f.match.masks].sort(([a], [b]) => a.localeCompare(b))) {
    const value = f.match.values.get(slot) ?? 0n;
    match[slot] = mask === ones(SLOTS.get(slot) ?? 128) ? '0x' + value.toString(16) : `0x${value.toString(16)}/0x${mask.toString(16)}`;
  }
  const ctx = formatCtx();
  return {
    file, line: f.line, col: f.col, table: f.table, priority: f.priority, cookie: '0x' + f.cookie.toString(16),
    idle_timeout: f.idleTimeout, hard_timeout: f.hardTimeout, importance: f.importance, flags: f.flags,
    match_text: formatMatch(f.match, f.priority), match,
    actions: f.actions.map((a) => ({ name: a.name, text: formatActions([a], ctx), col: a.span.start + 1 + (f.actionsBase ?? 0), args: a.args })),
  };
}

export function runParseJson(files: string[], opts: FmtOpts): number {
  let status = 0;
  const flows: unknown[] = [];
  for (const file of files) {
    const r = readFlows(readText(file), file, { ports: opts.ports });
    flows.push(...r.flows.map((f) => flowJson(f, file)));
    if (r.diagnostics.length) { reportDiagnostics(r.diagnostics); status = EXIT_BAD_INPUT; }
  }
  process.stdout.write(toJson({ flows }, ) + '\n');
  return status;
}
