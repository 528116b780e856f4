// `ctflow run` with ct(commit,alg=ftp): the pipeline hands the helper to the tracker, the
// conversation's data="..." reaches it, and the data connection the PORT command
// announced comes back +rel in both profiles (the rule recorded in test/oracle/alg-*).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const EX = join(ROOT, 'test', 'oracle', 'alg-userspace');
interface Ran { status: number | null; stdout: string; stderr: string }
const ctflow = (...args: string[]) => new Promise<Ran>((resolve) => {
  execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' },
    (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
});

describe('ctflow run with an FTP helper', () => {
  it.each(['kernel', 'userspace'])('%s: the announced data connection is RELATED and let through', async (profile) => {
    const r = await ctflow('run', '--profile', profile, join(EX, 'example-ftp.flows'), join(EX, 'example-ftp.conv'));
    expect(r.stderr).toBe('');
    const last = r.stdout.split('\n').find((l) => l.startsWith('#7 '))!;
    expect(last).toContain('ct: zone 1: new|rel|trk, new|rel|trk+commit | output 1');
    expect(r.stdout).toMatch(profile === 'kernel' ? /dport=21 .*mark=21 zone=1 helper=ftp use=2/ : /dport=21\).*,mark=21,protoinfo=\(state=ESTABLISHED\),helper=ftp/);
  }, 30_000);

  it.each(['kernel', 'userspace'])('%s: through SNAT, the frame leaves with the PORT line rewritten and later segments shifted (as recorded)', async (profile) => {
    const nat = join(ROOT, 'test', 'oracle', 'alg-nat-userspace');
    const r = await ctflow('run', '--profile', profile, join(nat, 'example-ftp-snat.flows'), join(nat, 'example-ftp-snat.conv'));
    expect(r.stderr).toBe('');
    const line = (n: number) => r.stdout.split('\n').find((l) => l.startsWith(`#${n} `))!;
    expect(line(7)).toContain('output 2 as 10.1.2.3:40001 > 172.16.255.131:21 seq=1009 ack=5020 len=22 data="PORT 10,1,2,3,156,69\\r\\n"');
    expect(line(8)).toContain('output 1 as 172.16.255.131:21 > 172.16.255.130:40001 seq=5020 ack=1037 len=13');
    expect(line(9)).toContain('output 2 as 10.1.2.3:40001 > 172.16.255.131:21 seq=1031 ack=5033 len=6');
    expect(line(10)).toContain('new|rel|trk|dnat+commit | output 1 as 172.16.255.131:20 > 172.16.255.130:40005');
  }, 30_000);

  it.each([
    ['kernel', 'len=56 data="EPRT |2|2001:0db8:0099:0000:0000:0000:0000:0003|40005|\\r\\n"', 'seq=1067'],
    ['userspace', 'len=31 data="EPRT |2|2001:db8:99::3|40005|\\r\\n"', 'seq=1042'],
  ])('%s: FTP over IPv6 through SNAT: the EPRT line is rewritten in that profile\'s form (as recorded)', async (profile, eprt, next) => {
    const ext = join(ROOT, 'test', 'oracle', 'alg-ext-userspace');
    const r = await ctflow('run', '--profile', profile, join(ext, 'example-ftp6-snat.flows'), join(ext, 'example-ftp6-snat.conv'));
    expect(r.stderr).toBe('');
    const line = (n: number) => r.stdout.split('\n').find((l) => l.startsWith(`#${n} `))!;
    expect(line(10)).toContain(`output 2 as [2001:db8:99::3]:40001 > [2001:db8::b]:21 seq=1011 ack=5035 ${eprt}`);
    expect(line(12)).toContain(`output 2 as [2001:db8:99::3]:40001 > [2001:db8::b]:21 ${next} ack=5065 len=6`);
    expect(line(13)).toContain('new|rel|trk|dnat+commit | output 1 as [2001:db8::b]:20 > [2001:db8::a]:40005');
  }, 30_000);

  // OVS userspace gives such a connection the expectation's own NAT, whatever the nat asks
  // (recorded: test/oracle/nat-null/userspace/snat-expected), which ctflow emulates.
  it.each(['kernel'])('%s: NAT on a connection a non-NATed master expected stops the run naming it', async (profile) => {
    const dir = mkdtempSync(join(tmpdir(), 'ctflow-alg-'));
    const flows = join(dir, 'nat.flows');
    writeFileSync(flows, 'table=0,priority=10,udp,tp_dst=69,actions=ct(commit,alg=tftp),output:2\n'
      + 'table=0,priority=5,udp,actions=ct(commit,nat(src=10.0.0.99)),output:1\n');
    const conv = join(dir, 'tftp.conv');
    writeFileSync(conv, '@0 udp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=40001,tp_dst=69  data="\\x00\\x01a\\x00octet\\x00"\n'
      + '@0.1 udp,in_port=2,nw_src=10.0.0.2,nw_dst=10.0.0.1,tp_src=50010,tp_dst=40001  data="\\x00\\x03\\x00\\x01x"\n');
    const r = await ctflow('run', '--profile', profile, flows, conv);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ctflow: a connection a non-NATed master.* together with NAT .* is not emulated/m);
  }, 30_000);
});
