// Parse + print of a 100,000-flow OVN-style dump, against `ovs-ofctl parse-flows` on the
// same file in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFlowLines, readFlows } from '../dist/index.js';

/** The real OVN table, copied with other datapaths, ports, addresses and cookies per copy. */
export function ovnStyleDump(n) {
  const base = readFileSync(new URL('../flows/ovn-acl.flows', import.meta.url), 'utf8')
    .split('\n').filter((l) => l.includes('actions='));
  const out = [];
  for (let k = 0; out.length < n; k++) {
    for (const l of base) {
      if (out.length >= n) break;
      out.push(k === 0 ? l : l
        .replace(/metadata=0x([0-9a-f]+)/g, (_m, v) => `metadata=0x${(parseInt(v, 16) + 3 * k).toString(16)}`)
        .replace(/reg15=0x([0-9a-f]+)/g, (_m, v) => `reg15=0x${(parseInt(v, 16) + k % 200).toString(16)}`)
        .replace(/10\.0\.0\.(\d+)/g, (_m, v) => `10.${(k >> 8) & 255}.${k & 255}.${v}`)
        .replace(/cookie=0x([0-9a-f]+)/, (_m, v) => `cookie=0x${((parseInt(v, 16) ^ k) >>> 0).toString(16)}`));
    }
  }
  return out.join('\n') + '\n';
}

export function benchFlows(n = 100_000) {
  const dir = mkdtempSync(join(tmpdir(), 'ctflow-bench-'));
  const file = join(dir, 'ovn-100k.flows');
  const text = ovnStyleDump(n);
  writeFileSync(file, text);

  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const r = readFlows(text, file);
  const tParsed = process.hrtime.bigint();
  global.gc?.();
  // Heap held by the parsed flows (the IR), measured before printing.
  const heapPerFlow = (process.memoryUsage().heapUsed - heap0) / r.flows.length;
  const tPrint = process.hrtime.bigint();
  const lines = formatFlowLines(r.flows);
  const t1 = tParsed + (process.hrtime.bigint() - tPrint);
  const ctflowS = Number(t1 - t0) / 1e9;
  if (r.diagnostics.length) throw new Error(`bench dump has ${r.diagnostics.length} errors: ${r.diagnostics[0].message}`);

  let ovsS = null;
  const which = spawnSync('sh', ['-c', 'command -v ovs-ofctl']);
  if (which.status === 0) {
    const o0 = process.hrtime.bigint();
    execFileSync('ovs-ofctl', ['parse-flows', file], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30 });
    ovsS = Number(process.hrtime.bigint() - o0) / 1e9;
  }
  return {
    name: `parse + print ${r.flows.length} OVN-style flows`,
    flows: r.flows.length,
    printed: lines.length,
    ctflow_s: ctflowS,
    flows_per_s: Math.round(r.flows.length / ctflowS),
    heap_bytes_per_flow: Math.round(heapPerFlow),
    ovs_ofctl_parse_flows_s: ovsS,
    ratio_to_ovs: ovsS ? +(ctflowS / ovsS).toFixed(2) : null,
    targets: 'ratio <= 1.0, heap <= 1024 B/flow',
  };
}
