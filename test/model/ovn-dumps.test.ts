// The real OVN 23.03 chassis dumps in flows/ (recorded from a live switch): every variant
// reads without error and prints back exactly as the switch printed it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPortsFile } from '../../src/conversation/ports.js';
import { formatFlow, formatFlowLines } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';

const flows = (name: string) => readFileSync(new URL(`../../flows/${name}`, import.meta.url), 'utf8');
const ports = readPortsFile(flows('ovn-acl.ports'), 'ovn-acl.ports').names;
const portNames = new Map([...ports].map(([n, v]) => [v, n]));
const dumpLines = (text: string) => text.split('\n').filter((l) => l.includes('actions='));

describe('real OVN dumps', () => {
  it('fmt of the full dump equals the switch\'s --no-stats dump, byte for byte', () => {
    const r = readFlows(flows('ovn-acl.flows'), 'ovn-acl.flows');
    expect(r.diagnostics).toEqual([]);
    expect(r.flows.length).toBe(628);
    expect(formatFlowLines(r.flows).join('\n') + '\n').toBe(flows('ovn-acl.nostats.flows'));
  });

  it('fmt of the --no-stats dump is that dump', () => {
    const r = readFlows(flows('ovn-acl.nostats.flows'), 'ovn-acl.nostats.flows');
    expect(formatFlowLines(r.flows).join('\n') + '\n').toBe(flows('ovn-acl.nostats.flows'));
  });

  it.each([
    ['ovn-acl.flows', 10, false],
    ['ovn-acl.names.flows', 10, true],
    ['ovn-acl.of15.flows', 15, false],
  ] as const)('%s prints back line for line with its counters', (file, ofVersion, names) => {
    const r = readFlows(flows(file), file, { ports });
    expect(r.diagnostics).toEqual([]);
    const printed = r.flows.map((f) => ' ' + formatFlow(f, { ofVersion, stats: true, portNames: names ? portNames : undefined }));
    expect(printed).toEqual(dumpLines(flows(file)));
  });
});
