#!/usr/bin/env node
// Records (or re-records) ofproto/trace ground-truth cases against a real Open vSwitch
// running on the userspace "dummy" datapath.
//
//   node test/tools/record-trace.mjs [--sandbox DIR] [--jobs N] [--meta FILE] CASE_DIR...
//
// --meta FILE writes what every case shares (OVS version, bridge setup, dpctl/show,
// ovs-ofctl show) as JSON.
//
// Every case gets a freshly started ovs-vswitchd, so recirculation ids, learned flows and
// group/meter state never leak from one case into the next (recirc ids are allocated
// from a process-wide pool, so a long-lived daemon would print different ids).
// The case folder layout is documented in test/oracle/trace/README.md.
//
// Needs: Debian openvswitch-switch 3.1 and the sandbox helper (OVS_SANDBOX env var or
// /work/shared/tools/ovs-sandbox.sh). This script is a recording tool, not a test: the
// tests read only the recorded files.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SANDBOX_TOOL = process.env.OVS_SANDBOX ?? '/work/shared/tools/ovs-sandbox.sh';

function parseArgs(argv) {
  let sandbox = '/tmp/trace-ovs';
  let jobs = 4;
  let meta = null;
  const cases = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sandbox') sandbox = argv[++i];
    else if (argv[i] === '--jobs') jobs = Number(argv[++i]);
    else if (argv[i] === '--meta') meta = argv[++i];
    else cases.push(argv[i]);
  }
  if ((cases.length === 0 && meta === null) || !(jobs >= 1)) {
    console.error('usage: record-trace.mjs [--sandbox DIR] [--jobs N] [--meta FILE] CASE_DIR...');
    process.exit(2);
  }
  return { sandbox: resolve(sandbox), jobs, meta, cases };
}

function sandboxEnv(dir) {
  // Same variables `ovs-sandbox.sh env DIR` prints; set directly to avoid eval.
  return {
    ...process.env,
    OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: join(dir, 'etc'),
    OVS_PKGDATADIR: process.env.OVS_PKGDATADIR ?? '/usr/share/openvswitch',
  };
}

// Runs a command and resolves to { rc, stdout, stderr } (stdout and stderr kept apart).
function run(env, cmd, args, cwd = undefined) {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', rej);
    p.on('close', (rc) => res({ rc: rc ?? -1, stdout, stderr }));
  });
}

async function must(env, cmd, args) {
  const r = await run(env, cmd, args);
  if (r.rc !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.rc}): ${r.stderr}`);
  return r.stdout;
}

const PORTS = [1, 2, 3, 4];

// Fresh daemons + bridge br0 with dummy ports p1..p4 on OpenFlow ports 1..4.
// datapath-id and hwaddr are pinned so LOCAL's MAC is stable between recordings.
async function freshBridge(dir, env) {
  await run(env, SANDBOX_TOOL, ['stop', dir]);
  for (const f of ['conf.db', 'ovs-vswitchd.log', 'ovsdb-server.log']) rmSync(join(dir, f), { force: true });
  await must(env, SANDBOX_TOOL, ['start', dir]);
  const args = [
    'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy', 'fail-mode=secure',
    'protocols=OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15',
    'other-config:datapath-id=0000000000000001', 'other-config:hwaddr=02:00:00:00:00:fe',
  ];
  for (const p of PORTS) {
    args.push('--', 'add-port', 'br0', `p${p}`, '--', 'set', 'interface', `p${p}`,
      'type=dummy', `ofport_request=${p}`);
  }
  await must(env, 'ovs-vsctl', args);
}

// A `# protocol: OpenFlowXY` line anywhere in a file selects `ovs-ofctl -O OpenFlowXY`.
function protocolOf(text, fallback) {
  const m = /^#\s*protocol:\s*(\S+)/m.exec(text);
  return m ? m[1] : fallback;
}

function readOpt(caseDir, name) {
  const f = join(caseDir, name);
  return existsSync(f) ? readFileSync(f, 'utf8') : null;
}

function lines(text) {
  return (text ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

async function dumpFlows(env, proto) {
  const out = await must(env, 'ovs-ofctl', [...(proto ? ['-O', proto] : []), '--no-stats', 'dump-flows', 'br0']);
  return out.split('\n').filter((l) => l.startsWith(' ')).map((l) => l.trim());
}

// Splits a trace into its sections: the main one and one per recirculation. A
// recirculation starts with a header framed by two "=====" rules; the header may span
// several lines (NAT adds "Replacing src/dst IP/ports to simulate NAT:" and two more).
function sections(trace) {
  const parts = [];
  let cur = { header: null, body: [] };
  const tl = trace.split('\n');
  const isRule = (l) => /^=+$/.test(l);
  for (let i = 0; i < tl.length; i++) {
    const close = isRule(tl[i]) ? tl.findIndex((l, j) => j > i && isRule(l)) : -1;
    if (close > i) {
      parts.push(cur);
      cur = { header: tl.slice(i + 1, close).join('\n'), body: [] };
      i = close;
      continue;
    }
    cur.body.push(tl[i]);
  }
  parts.push(cur);
  return parts.map(({ header, body }) => {
    const pick = (prefix) => {
      const l = body.find((x) => x.startsWith(prefix));
      return l === undefined ? null : l.slice(prefix.length);
    };
    return {
      header,
      flow: pick('Flow: '),
      final_flow: pick('Final flow: '),
      megaflow: pick('Megaflow: '),
      datapath_actions: pick('Datapath actions: '),
    };
  });
}

async function recordCase(dir, env, caseDir) {
  const flowsText = readOpt(caseDir, 'flows.txt');
  const packet = lines(readOpt(caseDir, 'packet.txt'))[0];
  if (flowsText === null || packet === undefined) throw new Error(`${caseDir}: needs flows.txt and packet.txt`);
  const flowProto = protocolOf(flowsText, null);
  const groupsText = readOpt(caseDir, 'groups.txt');
  const metersText = readOpt(caseDir, 'meters.txt');
  const ctNext = lines(readOpt(caseDir, 'ct_next.txt'));
  const traceArgs = lines(readOpt(caseDir, 'trace_args.txt'));

  await freshBridge(dir, env);
  const dpctlShow = await must(env, 'ovs-appctl', ['dpctl/show']);
  const setupErrors = [];
  // Run inside the case folder with relative file names, and drop vlog timestamps, so
  // error messages are the same on every machine and every re-recording.
  const ofctl = async (proto, args) => {
    const r = await run(env, 'ovs-ofctl', [...(proto ? ['-O', proto] : []), ...args], caseDir);
    const msg = r.stderr.trim().replace(/^\S+Z\|\d+\|/gm, '');
    if (r.rc !== 0) setupErrors.push(`ovs-ofctl ${args[0]}: ${msg}`);
  };
  if (metersText !== null) {
    const proto = protocolOf(metersText, 'OpenFlow13');
    for (const m of lines(metersText)) await ofctl(proto, ['add-meter', 'br0', m]);
  }
  if (groupsText !== null) await ofctl(protocolOf(groupsText, 'OpenFlow15'), ['add-groups', 'br0', 'groups.txt']);
  await ofctl(flowProto, ['add-flows', 'br0', 'flows.txt']);

  // Dump with the protocol the flows were added with, so they print the way a user sees them.
  const dumpProto = flowProto;
  const before = await dumpFlows(env, dumpProto);
  const args = ['ofproto/trace', 'br0', packet];
  for (const c of ctNext) args.push('--ct-next', c);
  args.push(...traceArgs);
  const t = await run(env, 'ovs-appctl', args);
  const trace = t.stdout + t.stderr;
  writeFileSync(join(caseDir, 'trace.txt'), trace);
  const after = await dumpFlows(env, dumpProto);
  const learned = after.filter((f) => !before.includes(f));

  const secs = sections(t.stdout);
  const expect = {
    command: `ovs-appctl ${args.map(shellQuote).join(' ')}`,
    trace_rc: t.rc,
    datapath_actions: secs[0].datapath_actions,
    final_flow: secs[0].final_flow,
    megaflow: secs[0].megaflow,
    recirculations: secs.slice(1),
    dpctl_show: dpctlShow,
  };
  if (t.rc !== 0) expect.trace_error = t.stderr.trim();
  if (setupErrors.length > 0) expect.setup_errors = setupErrors;
  // FLOOD/ALL/NORMAL emit ports in an order that changes from one ovs-vswitchd start to
  // the next: FLOOD/ALL only among ports sharing a bucket of the port hash map (seen:
  // 100,4,2,3 then 4,100,2,3 for the same case), NORMAL entirely (its bundle list follows
  // heap addresses). See src/pipeline/flood.ts and normal.ts.
  if (/actions=.*\b(flood|all|normal)\b/i.test(flowsText)) expect.output_order_unstable = true;
  if (learned.length > 0 || /learn\(/.test(flowsText)) expect.learned_flows = learned;
  expect.flows_after = after;
  writeFileSync(join(caseDir, 'expect.json'), JSON.stringify(expect, null, 2) + '\n');
  return expect;
}

function shellQuote(s) {
  return /^[A-Za-z0-9_\/.,:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// Cases are spread over a few independent sandboxes (DIR/w0, DIR/w1, ...): each case
// restarts its daemons, and OVS takes seconds to exit, so workers overlap that wait.
async function worker(dir, queue) {
  const env = sandboxEnv(dir);
  let failed = 0;
  try {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      try {
        const e = await recordCase(dir, env, c);
        const note = e.setup_errors ? `  SETUP ERROR: ${e.setup_errors.join(' | ')}` : '';
        const last = e.recirculations.length ? e.recirculations.at(-1).datapath_actions : '';
        console.log(`${c}: ${e.datapath_actions}${last ? ` ... ${last}` : ''}${note}`);
      } catch (err) {
        failed++;
        console.error(`${c}: FAILED ${err.message}`);
      }
    }
  } finally {
    await run(env, SANDBOX_TOOL, ['stop', dir]);
  }
  return failed;
}

// The environment all cases share, so a reader can map OpenFlow ports to datapath ports.
async function recordMeta(dir, file) {
  const env = sandboxEnv(dir);
  try {
    await freshBridge(dir, env);
    const meta = {
      ovs_vswitchd_version: (await must(env, 'ovs-vswitchd', ['--version'])).split('\n')[0],
      bridge: 'br0 datapath_type=dummy fail-mode=secure protocols=OpenFlow10..15 '
        + 'datapath-id=0000000000000001 hwaddr=02:00:00:00:00:fe; ports p1..p4 type=dummy ofport_request=1..4',
      dpctl_show: await must(env, 'ovs-appctl', ['dpctl/show']),
      ofctl_show: await must(env, 'ovs-ofctl', ['-O', 'OpenFlow13', 'show', 'br0']),
      trace_usage: (await must(env, 'ovs-appctl', ['list-commands'])).split('\n')
        .filter((l) => l.includes('ofproto/trace')).map((l) => l.trim()),
    };
    writeFileSync(file, JSON.stringify(meta, null, 2) + '\n');
  } finally {
    await run(env, SANDBOX_TOOL, ['stop', dir]);
  }
}

const { sandbox, jobs, meta, cases } = parseArgs(process.argv.slice(2));
if (meta !== null) await recordMeta(join(sandbox, 'meta'), meta);
const queue = [...cases];
const n = Math.max(1, Math.min(jobs, cases.length));
const results = await Promise.all(Array.from({ length: n }, (_, i) => worker(join(sandbox, `w${i}`), queue)));
process.exit(results.some((f) => f > 0) ? 1 : 0);
