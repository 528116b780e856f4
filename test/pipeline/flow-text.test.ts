// The `Flow:` text of packets that differ only in their source port (one per connection)
// is made from a remembered shape (packet/format.ts): it must read exactly as the
// recorded ofproto/trace line with that packet's own port, whatever was printed before.
import { describe, expect, it } from 'vitest';
import { formatPacketFlow } from '../../src/packet/format.js';
import { parsePacket } from '../../src/packet/packet.js';

// Recorded (test/oracle): ofproto/trace's Flow line for this packet with tp_src=40000.
const RECORDED = 'tcp,in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=40000,tp_dst=80,tcp_flags=syn';
const packet = (sport: number, extra = '', dport = 80) =>
  parsePacket(`tcp,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=${sport},tp_dst=${dport},tcp_flags=syn${extra}`);

describe('Flow text per source port', () => {
  it('each port prints its own value in the recorded layout, including ports that equal tp_dst and 0', () => {
    for (const sport of [40000, 1, 80, 0, 65535, 40000, 12345]) {
      expect(formatPacketFlow(packet(sport))).toBe(RECORDED.replace('tp_src=40000', `tp_src=${sport}`));
    }
  });

  it('a packet differing in another field does not reuse the shape', () => {
    formatPacketFlow(packet(40000));
    expect(formatPacketFlow(packet(2000, '', 443))).toBe(RECORDED.replace('tp_src=40000,tp_dst=80', 'tp_src=2000,tp_dst=443'));
    expect(formatPacketFlow(packet(2001, ',reg0=0x7'))).toBe(RECORDED.replace('tcp,in_port=1', 'tcp,reg0=0x7,in_port=1').replace('tp_src=40000', 'tp_src=2001'));
  });
});
