// Rejections of ct, nat, learn, controller, clone, instructions, sample, conjunction and
// check_pkt_larger: every such line real ovs-ofctl 3.1 refused (test/corpus/errors.json) is
// refused here too, and the error names the place (line:col) and the thing.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_PORTS, loadCorpus } from '../helpers/corpus.js';

const read = (text: string) => readFlows(text, 'flows.txt', { ports: CORPUS_PORTS });

const MINE = /\b(ct|ct_clear|nat|learn|conjunction|controller|clone|write_actions|clear_actions|write_metadata|goto_table|meter|group|check_pkt_larger|sample|exit)\b/;
// Refusals that depend on the switch's state, which a flow file does not carry: groups and
// meters that do not exist on the recording bridge, and the size of its Geneve TLV mapping.
const SWITCH_STATE = new Set([
  'actions=group:99', 'actions=meter:9', 'actions=learn(tun_metadata0=tun_metadata0,load:0x1->reg0)',
]);

describe('errors.json lines using these actions are rejected', () => {
  const lines = loadCorpus('errors')
    .filter((e) => MINE.test(e.input.slice(e.input.indexOf('actions=') + 1)) && !SWITCH_STATE.has(e.input))
    .filter((e) => !/\bresubmit\(/.test(e.input));
  it('covers the recorded refusals', () => expect(lines.length).toBeGreaterThan(50));
  it.each(lines.map((e) => [e.input, e.error ?? ''] as const))('%s', (input) => {
    const r = read(input);
    expect(r.flows).toHaveLength(0);
    expect(r.diagnostics).toHaveLength(1);
  });
});

// [input, column of the error, message]: the message follows ovs-ofctl's wording where it
// has one, and the column points at the offending text.
const CASES: [string, number, string][] = [
  ['ip,actions=ct(force)', 12, '"force" flag requires "commit" flag.'],
  ['ip,actions=ct(commit,exec(output:1))', 27, "ct action doesn't support nested action output"],
  ['ip,actions=ct(commit,exec(set_field:0x1->reg0))', 27, "ct action doesn't support nested modification of reg0"],
  ['ip,actions=ct(exec(load:0x1->NXM_NX_CT_MARK[]))', 12, 'CT action requires commit flag if actions other than NAT without arguments are specified.'],
  ['ip,actions=ct(zone=NXM_NX_REG13[0..7])', 20, 'zone n_bits 8 not within valid range [16..16]'],
  ['ip,actions=ct(zone=foo)', 20, "foo: unknown field `foo'"],
  ['ip,actions=ct(table=255)', 21, 'invalid table 0xff'],
  ['ip,actions=ct(bogus)', 15, 'invalid argument to "ct" action: `bogus\''],
  ['tcp,actions=ct(alg=21)', 20, 'invalid conntrack helper "21"'],
  ['ip,actions=ct(commit,nat(src=10.0.0.1,dst=10.0.0.2))', 22, 'May only specify one of "src" or "dst".'],
  ['ip,actions=ct(commit,nat(src=10.0.0.1,random,hash))', 22, 'Both "hash" and "random" are not allowed.'],
  ['ip,actions=ct(commit,nat(src=10.0.0.2-10.0.0.1))', 30, 'invalid nat range "10.0.0.2-10.0.0.1"'],
  ['ip,actions=ct(commit,nat(bogus))', 26, 'invalid key "bogus" in "nat" argument'],
  ['arp,actions=ct(commit)', 13, 'ct needs a flow that matches ip or ipv6'],
  ['ip,ct_state=+inv+trk,actions=ct(commit)', 30, 'ct(commit) cannot commit a flow matching ct_state=+inv'],
  ['udp,actions=ct(commit,alg=ftp)', 13, 'ct(alg=ftp) needs a flow that matches tcp'],
  ['ipv6,actions=ct(commit,nat(src=10.0.0.1))', 24, 'nat to an IPv4 address needs a flow that matches ip'],
  ['ip,actions=nat', 12, 'Cannot have NAT action outside of "ct" action'],
  ['actions=learn(table=255,eth_dst=eth_src)', 21, "table id 255 not valid for `learn' action"],
  ['actions=learn(bogus=1)', 15, 'unknown keyword bogus'],
  ['actions=learn(dl_vlan=5,load:0x1->reg0)', 15, "experimenter OXM field 'dl_vlan' not supported"],
  ['actions=learn(eth_dst=ip_src)', 15, 'bit widths of ip_src (32) and eth_dst (48) differ'],
  ['actions=learn(result_dst=reg0[0..1],eth_dst=eth_src)', 26, "result_dst in 'learn' action must be a single bit"],
  ['actions=learn(eth_dst=eth_src,load:eth_src->reg0)', 36, 'eth_src->reg0: source field is 48 bits wide but destination is 32 bits wide'],
  ['actions=learn(tcp_dst=tcp_src)', 15, 'source field tcp_src lacks correct prerequisites'],
  ['actions=learn(ip_dst=10.0.0.1)', 15, 'learned match on ip_dst lacks its prerequisites'],
  ['actions=controller(reason=bogus)', 27, 'unknown reason "bogus"'],
  ['actions=controller(userdata=0g)', 29, "bad hex digit in `controller' action `userdata'"],
  ['actions=conjunction(1,1/1)', 23, 'conjunction must have at least 2 clauses'],
  ['actions=conjunction(1,1/2),output:1', 28, '"conjunction" actions may be used along with "note" but not any other kind of action'],
  ['actions=sample(collector_set_id=1)', 9, 'non-zero "probability" must be specified on sample'],
  ['actions=check_pkt_larger(1500)->reg0[0..1]', 33, 'Only 1-bit destination field is allowed'],
  ['actions=clone(ct(commit,zone=1),output:2)', 15, 'ct needs a flow that matches ip or ipv6'],
  ['table=2,actions=goto_table:1', 17, 'goto_table:1 must go to a later table'],
  ['actions=goto_table:1,output:2', 22, 'invalid instruction ordering: apply_actions must appear before goto_table'],
  ['actions=write_metadata:0x5/0xffffffff,goto_table:2', 39, 'invalid instruction ordering: apply_actions must appear before write_metadata'],
  ['actions=write_metadata:0x1/0x1/0x1', 24, 'invalid numeric format 0x1/0x1'],
];

describe('error place and message', () => {
  it.each(CASES)('%s', (input, col, message) => {
    const r = read(`# a comment line first, so the error is on line 2\n${input}\n`);
    expect(r.flows).toHaveLength(0);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(`${d.file}:${d.line}:${d.col}`).toBe(`flows.txt:2:${col}`);
    expect(d.message).toContain(message);
  });
});
