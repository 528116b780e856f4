// A run without a trace (trace: false: what conversations, `ctflow run` and the benchmark
// use) takes shortcuts a traced run cannot (runs of field writes applied at once, no
// events): it must still reach the same datapath actions, outputs and ct() calls as the
// traced run, which test/trace checks against real OVS. Every recorded ofproto/trace case
// and every packet of the recorded OVN conversations is run both ways.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { parsePacket, parsePacketExtra, type Packet } from '../../src/packet/packet.js';
import { buildPipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { parseCtNext, runPacket, type PacketResult, type RunOptions } from '../../src/pipeline/run.js';

const CASES = join(import.meta.dirname, '../oracle/trace/cases');
const CONV = join(import.meta.dirname, '../oracle/conversations');

/** What both runs must agree on. */
const outcome = (r: PacketResult) => ({
  datapathActions: r.datapathActions, outputs: r.outputs, ctStates: r.ctStates, ctCalls: r.ctCalls,
  failure: r.failure, passes: r.trace.passes.map((p) => [p.recircId, p.resumeTable, p.ctState, p.failure]),
});

function both(make: () => { pipeline: Pipeline; opts: Omit<RunOptions, 'pipeline' | 'trace'>; packet: Packet }): [unknown, unknown] {
  const run = (trace: boolean) => {
    const { pipeline, opts, packet } = make(); // a pipeline each: learn() may add flows
    try { return outcome(runPacket({ ...opts, pipeline, trace }, packet, 0)); } catch (e) { return `throws ${(e as Error).message}`; }
  };
  return [run(false), run(true)];
}

describe('untraced runs agree with traced runs', () => {
  const names = readdirSync(CASES).sort();
  it('covers the recorded trace cases', () => { expect(names.length).toBeGreaterThan(100); });
  it.each(names)('trace case %s', (name) => {
    const dir = join(CASES, name);
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    const text = read('flows.txt');
    const proto = /^#\s*protocol:\s*OpenFlow1(\d)/m.exec(text);
    const file = readFlows(text, 'flows.txt', { ofVersion: proto ? 10 + Number(proto[1]) : 10 });
    const groups = read('groups.txt') ? readGroups(read('groups.txt'), 'groups.txt') : null;
    let packet: Packet;
    try { packet = parsePacket(read('packet.txt').trim()); } catch { return; } // a packet OVS rejects too
    if (file.diagnostics.length || groups?.diagnostics.length) return;
    const ctNext = read('ct_next.txt').split('\n').map((l) => l.trim()).filter(Boolean).map(parseCtNext);
    const learn = read('trace_args.txt').includes('-generate');
    const [untraced, traced] = both(() => ({
      pipeline: buildPipeline(file.flows, {
        groups: groups?.groups ?? [], of15: proto !== null && Number(proto[1]) >= 5,
        meters: [...read('meters.txt').matchAll(/^meter=(\d+)/gm)].map((m) => Number(m[1])),
        ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 },
      }),
      opts: { ctNext, learn },
      packet,
    }));
    expect(untraced).toEqual(traced);
  });

  const convs = readdirSync(CONV).filter((f) => f.endsWith('.json')).sort();
  it.each(convs)('conversation %s with the userspace tracker', (name) => {
    const flows = readFlows(readFileSync(join(CONV, 'ovn-acl.flows'), 'utf8'), 'ovn-acl.flows').flows;
    const groups = readGroups(readFileSync(join(CONV, 'ovn-acl.groups'), 'utf8'), 'ovn-acl.groups').groups;
    const steps = (JSON.parse(readFileSync(join(CONV, name), 'utf8')) as { steps: Array<{ t: number; flow: string; fields: string }> }).steps;
    const runs = [false, true].map((trace) => {
      const pipeline = buildPipeline(flows, {
        groups, controllerConnected: true,
        ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map([[1, 2], [2, 3], [3, 4], [4, 5]]), local: 1 },
      });
      const conntrack = newConntrack({ profile: 'userspace' });
      return steps.map((s) => {
        const pkt = parsePacket(s.flow);
        pkt.extra = parsePacketExtra(s.fields);
        return outcome(runPacket({ pipeline, conntrack, trace }, pkt, Math.round(s.t * 1000)));
      });
    });
    expect(runs[0].length).toBeGreaterThan(0);
    expect(runs[0]).toEqual(runs[1]);
  });
});
