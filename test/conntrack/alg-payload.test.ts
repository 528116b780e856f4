// Conversation lines carry payload text for the ALG helpers: data="..." (src/conversation/extra.ts).
import { describe, expect, it } from 'vitest';
import { readConversation } from '../../src/conversation/read.js';

const TCP = 'tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=4000,tp_dst=21,tcp_flags=psh|ack';
const UDP = 'udp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=4000,tp_dst=69';

const one = (line: string) => readConversation(line, 'x.conv');
const bytes = (s: string) => [...Buffer.from(s, 'latin1')];

describe('data= payload field', () => {
  it('reads escapes and derives len= (TCP: payload bytes)', () => {
    const c = one(`${TCP}  seq=1 ack=1 win=100 data="PORT 10,0,0,1,15,160\\r\\n"`);
    expect(c.diagnostics).toEqual([]);
    const x = c.packets[0]!.packet.extra;
    expect([...x.payload!]).toEqual(bytes('PORT 10,0,0,1,15,160\r\n'));
    expect(x.len).toBe(22);
  });

  it('UDP len= counts the 8-byte header; \\xHH and \\0 give any byte', () => {
    const x = one(`${UDP}  data="\\x00\\x01f\\0octet\\x00"`).packets[0]!.packet.extra;
    expect([...x.payload!]).toEqual([0, 1, 0x66, 0, 0x6f, 0x63, 0x74, 0x65, 0x74, 0]);
    expect(x.len).toBe(18);
  });

  it('a # inside the quotes is payload, not a comment', () => {
    const x = one(`${TCP}  data="a#b"`).packets[0]!.packet.extra;
    expect([...x.payload!]).toEqual(bytes('a#b'));
  });

  it('refuses len= that disagrees, with the place', () => {
    const line = `${TCP}  len=5 data="abc"`;
    const d = one(line).diagnostics[0]!;
    expect(d.message).toBe('len=5 disagrees with data= (3 bytes)');
    expect(line.slice(d.col - 1, d.col - 1 + d.len)).toBe('len=5');
  });

  it.each([
    [`${TCP}  data=abc`, 'data=: expected a quoted string'],
    [`${TCP}  data="abc`, `'"' without a closing '"'`],
    [`${TCP}  data="a\\qb"`, "data=: unknown escape '\\q'"],
    ['icmp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,icmp_type=8  data="x"', 'data= applies to tcp/udp packets, this one is icmp'],
  ])('refuses %s', (line, msg) => {
    expect(one(line).diagnostics[0]!.message).toContain(msg);
  });
});
