// The reader reads a dump's leading keys (`cookie=…, duration=…, table=…, n_packets=…,`)
// by character code and takes plain numbers as it goes; every other spelling goes the way
// of any flow key. Both ways must give what the key's own definition gives: BigInt for the
// cookie, Number.parseFloat for the counters, decimal digits for the table.
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';

const line = (cookie: string, duration: string, table: string, packets: string) =>
  ` cookie=${cookie}, duration=${duration}, table=${table}, n_packets=${packets}, n_bytes=54, idle_age=3, priority=7,ip actions=drop`;

const cookies = ['0x0', '0x35e799f', '0xd20d58b7', '0xffffffffffff', '0x1fffffffffffff', '0xffffffffffffffff', '0x0000000000001', '12', '9007199254740993', '007'];
const durations = ['1.119s', '0.028s', '12s', '3', '1.', '123456789.123456s', '1234567890123.456s', '1e3s', '0.1s', '2.5x'];
const tables = ['0', '8', '43', '253', '255', '007'];
const counters = ['0', '1', '999999999999999', '12345678901234567', '0x10', '3.5'];

describe('leading keys of a dump line', () => {
  it('read as the keys define them, plain numbers or not', () => {
    const lines: string[] = [];
    const want: Array<{ cookie: bigint; duration: number; table: number; packets: number }> = [];
    for (const c of cookies) for (const d of durations) for (const t of tables) for (const p of counters) {
      lines.push(line(c, d, t, p));
      want.push({ cookie: BigInt(c), duration: Number.parseFloat(d), table: Number(t) === 255 ? 0 : Number(t), packets: Number.parseFloat(p) });
    }
    const r = readFlows(lines.join('\n'), 'lead.txt');
    expect(r.diagnostics).toEqual([]);
    expect(r.flows.map((f) => ({ cookie: f.cookie, duration: f.stats?.duration, table: f.table, packets: f.stats?.n_packets }))).toEqual(want);
    for (const f of r.flows) expect(f.stats).toMatchObject({ n_bytes: 54, idle_age: 3 });
  });

  it('refuse what the keys refuse, pointing at the value', () => {
    const bad: Array<[string, string]> = [
      [line('0X10', '1s', '0', '0'), "cookie: '0X10' is not a 64-bit number"],
      [line('0x10000000000000000', '1s', '0', '0'), "cookie: '0x10000000000000000' is not a 64-bit number"],
      [line('0x1', 'abc', '0', '0'), 'duration: expected a number'],
      [line('0x1', '1s', '254', '0'), 'table 254 is reserved for the switch itself (OFPBRC_EPERM)'],
      [line('0x1', '1s', '256', '0'), 'unknown table "256"'],
      [line('0x1', '1s', '0x1', '0'), 'unknown table "0x1"'],
    ];
    for (const [text, message] of bad) {
      const r = readFlows(text, 'bad.txt');
      expect(r.diagnostics.map((d) => d.message), text).toEqual([message]);
      const key = message.startsWith('cookie') ? 'cookie=' : message.startsWith('duration') ? 'duration=' : 'table=';
      expect(r.diagnostics[0].col, text).toBe(text.indexOf(key) + key.length + 1);
    }
  });

  it('keep one counters object per distinct set of counters', () => {
    const r = readFlows([line('0x1', '1s', '0', '0'), line('0x2', '1s', '1', '0'), line('0x3', '2s', '0', '0')].join('\n'), 'x');
    expect(r.flows[0].stats).toBe(r.flows[1].stats);
    expect(r.flows[2].stats).not.toBe(r.flows[0].stats);
    expect(Object.isFrozen(r.flows[0].stats)).toBe(true);
  });
});
