// Packets traced per second through the real OVN table (flows/ovn-acl.flows + its groups),
// with and without rendering the ofproto/trace-style text, against `ovs-appctl
// ofproto/trace` on the same table and packet in a private Open vSwitch started for this
// run (userspace dummy datapath, nothing installed system-wide). Without openvswitch-switch
// the OVS half is skipped and says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPipeline, formatTraceText, parsePacket, readFlows, readGroups, runPacket } from '../dist/index.js';

const FLOWS = new URL('../flows/ovn-acl.flows', import.meta.url);
const GROUPS = new URL('../flows/ovn-acl.groups', import.meta.url);
/** vm1 → vm2 HTTP SYN: the ACL, LB and conntrack stages of both logical switches. */
export const PACKET = 'tcp,in_port=1,dl_src=02:00:00:00:00:11,dl_dst=02:00:00:00:00:12,nw_src=10.0.0.11,nw_dst=10.0.0.12,nw_ttl=64,tp_src=40000,tp_dst=80,tcp_flags=syn';

function ratePerS(seconds, body) {
  for (let i = 0; i < 200; i++) body(); // warm up the JIT
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < end) { for (let i = 0; i < 50; i++) body(); n += 50; now = process.hrtime.bigint(); }
  return n / (Number(now - t0) / 1e9);
}

/** A throwaway ovsdb-server + ovs-vswitchd pair whose sockets, pids and logs live in one temp dir. */
class Sandbox {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'ctflow-bench-ovs-'));
    this.env = { ...process.env, OVS_RUNDIR: this.dir, OVS_LOGDIR: this.dir, OVS_DBDIR: this.dir, OVS_SYSCONFDIR: join(this.dir, 'etc') };
  }
  run(cmd, args) { return execFileSync(cmd, args, { env: this.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); }
  start() {
    const d = this.dir;
    const schema = join(process.env.OVS_PKGDATADIR ?? '/usr/share/openvswitch', 'vswitch.ovsschema');
    this.run('ovsdb-tool', ['create', join(d, 'conf.db'), schema]);
    this.run('ovsdb-server', [join(d, 'conf.db'), `--remote=punix:${join(d, 'db.sock')}`, `--pidfile=${join(d, 'ovsdb-server.pid')}`,
      `--log-file=${join(d, 'ovsdb-server.log')}`, '-vconsole:off', '--detach', '--no-chdir']);
    this.run('ovs-vsctl', ['--no-wait', 'init']);
    // Only the dummy datapath and netdevs: no kernel module, no real interfaces touched.
    this.run('ovs-vswitchd', [`unix:${join(d, 'db.sock')}`, '--enable-dummy=override', '--disable-system', '--disable-system-route',
      `--pidfile=${join(d, 'ovs-vswitchd.pid')}`, `--log-file=${join(d, 'ovs-vswitchd.log')}`, '-vconsole:off', '--detach', '--no-chdir']);
    this.run('ovs-appctl', ['--timeout=10', 'version']);
  }
  stop() {
    for (const name of ['ovs-vswitchd', 'ovsdb-server']) {
      const pidFile = join(this.dir, `${name}.pid`);
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try { this.run('ovs-appctl', ['-t', join(this.dir, `${name}.${pid}.ctl`), 'exit']); } catch { try { process.kill(pid); } catch { /* gone */ } }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function ovsTraceRate(seconds) {
  if (spawnSync('sh', ['-c', 'command -v ovs-vswitchd && command -v ovsdb-server && command -v ovs-appctl']).status !== 0) {
    return { skipped: 'openvswitch-switch is not installed (ovs-vswitchd, ovsdb-server, ovs-appctl): OVS half skipped' };
  }
  const sb = new Sandbox();
  try {
    sb.start();
    sb.run('ovs-vsctl', ['add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=dummy']);
    for (let i = 1; i <= 4; i++) sb.run('ovs-vsctl', ['add-port', 'br-int', `vm${i}`, '--', 'set', 'interface', `vm${i}`, 'type=dummy', `ofport_request=${i}`]);
    const groups = join(sb.dir, 'groups.txt');
    writeFileSync(groups, readFileSync(GROUPS, 'utf8').split('\n').filter((l) => !/_REPLY|reply/.test(l)).join('\n'));
    sb.run('ovs-ofctl', ['add-groups', 'br-int', groups]);
    sb.run('ovs-ofctl', ['add-flows', 'br-int', new URL('../flows/ovn-acl.nostats.flows', import.meta.url).pathname]);
    const trace = () => sb.run('ovs-appctl', ['ofproto/trace', 'br-int', PACKET]);
    const text = trace();
    const dp = [...text.matchAll(/^Datapath actions: (.*)$/gm)].map((m) => m[1]);
    let n = 0;
    const t0 = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - t0) / 1e9 < seconds) { trace(); n++; }
    return { calls_per_s: n / (Number(process.hrtime.bigint() - t0) / 1e9), datapath_actions: dp };
  } finally { sb.stop(); }
}

export function benchPipeline(seconds = 3) {
  const flows = readFlows(readFileSync(FLOWS, 'utf8'), 'ovn-acl.flows');
  const groups = readGroups(readFileSync(GROUPS, 'utf8'), 'ovn-acl.groups');
  if (flows.diagnostics.length || groups.diagnostics.length) throw new Error('bench: the OVN table does not read cleanly');
  const pipeline = buildPipeline(flows.flows, {
    groups: groups.groups,
    ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map([[1, 2], [2, 3], [3, 4], [4, 5]]), local: 1 },
  });
  const packet = parsePacket(PACKET);
  // Trace mode (ct() bypassed, default ct_state trk|new), as ofproto/trace runs it.
  const first = runPacket({ pipeline, trace: true }, packet, 0);
  const bare = ratePerS(seconds, () => runPacket({ pipeline, trace: false }, packet, 0));
  const rendered = ratePerS(seconds, () => formatTraceText(runPacket({ pipeline, trace: true }, packet, 0).trace, 'br-int'));
  // The same packet from a different source port each time (a new connection per packet):
  // nothing remembered per packet value can answer it.
  let sport = 0;
  const another = () => {
    const p = { ...packet, slots: packet.slots.clone() };
    p.slots.set('tp_src', BigInt(1024 + (sport++ % 64000)));
    return p;
  };
  const bareVaried = ratePerS(seconds, () => runPacket({ pipeline, trace: false }, another(), 0));
  const renderedVaried = ratePerS(seconds, () => formatTraceText(runPacket({ pipeline, trace: true }, another(), 0).trace, 'br-int'));
  const ovs = ovsTraceRate(seconds);
  const out = {
    name: 'packets traced through the real OVN table (vm1 -> vm2 HTTP SYN, 3 passes)',
    lookups_per_packet: first.trace.passes.reduce((n, p) => n + p.events.filter((e) => e.kind === 'table').length, 0),
    ctflow_packets_per_s_no_render: Math.round(bare),
    ctflow_packets_per_s_rendered: Math.round(rendered),
    ctflow_packets_per_s_no_render_new_tp_src_each: Math.round(bareVaried),
    ctflow_packets_per_s_rendered_new_tp_src_each: Math.round(renderedVaried),
    target_packets_per_s_no_render: 200_000,
  };
  if (ovs.skipped) return { ...out, ovs_ofproto_trace: ovs.skipped };
  const same = JSON.stringify(ovs.datapath_actions) === JSON.stringify(first.datapathActions);
  return {
    ...out,
    ovs_ofproto_trace_calls_per_s: +ovs.calls_per_s.toFixed(1),
    ratio_rendered_to_ovs: Math.round(rendered / ovs.calls_per_s),
    ratio_no_render_to_ovs: Math.round(bare / ovs.calls_per_s),
    target_ratio: 100,
    same_datapath_actions_as_ovs: same,
    ...(same ? {} : { ovs_datapath_actions: ovs.datapath_actions, ctflow_datapath_actions: first.datapathActions }),
  };
}
