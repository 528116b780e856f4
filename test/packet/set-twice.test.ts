// A packet (ofproto/trace's flow syntax) gives each field and its Ethernet type once.
// Each line below was run through real `ovs-appctl ofproto/trace` (OVS 3.1, dummy datapath);
// the message is OVS's `Bad openflow flow syntax: FLOW: MESSAGE`.
import { describe, expect, it } from 'vitest';
import { PacketError, parsePacket } from '../../src/packet/packet.js';

const REFUSED: Array<[string, string]> = [
  ['in_port=1,in_port=2', 'field in_port set multiple times'],
  ['in_port=1,tcp,udp', 'Ethernet type set multiple times'],
  ['in_port=1,ip,dl_type=0x800', 'field dl_type set multiple times'],
  ['tcp,ip', 'Ethernet type set multiple times'],
  ['in_port=1,ip,tcp', 'Ethernet type set multiple times'],
  ['in_port=1,dl_type=0x800,ip', 'Ethernet type set multiple times'],
];

describe('a field given twice in a packet', () => {
  it.each(REFUSED)('%s: %s', (text, message) => {
    expect(() => parsePacket(text)).toThrow(PacketError);
    expect(() => parsePacket(text)).toThrow(message);
  });
  it('is told by a non-zero value, as OVS does: nw_ttl=0 then nw_ttl=5 gives nw_ttl=5', () => {
    expect(parsePacket('in_port=1,ip,nw_ttl=0,nw_ttl=5').slots.get('nw_ttl')).toBe(5n);
  });
});
