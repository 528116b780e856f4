// `name[lo..hi]` is one lexer token: the syntax tree keeps the name, the subscript and the
// span the four tokens word [ word ] gave, and a subscript left open or holding a space
// still gets the error that says what belongs inside the brackets.
import { describe, expect, it } from 'vitest';
import { parseFlowSyntax } from '../../grammar/parse.js';
import { readFlows } from '../../src/parse/flows.js';

describe('a subscripted name', () => {
  it('keeps name, subscript and span', () => {
    const syn = parseFlowSyntax('actions=load:0x1->NXM_NX_REG13[],move:reg0[0..15]->reg1[16..31]');
    const [load, move] = syn.actions!;
    const dst = load.colon!.dst![0];
    expect(dst).toMatchObject({ kind: 'ref', text: 'NXM_NX_REG13', subscript: '', tokenType: 'word', span: { start: 18, end: 32 } });
    expect(move.colon!.chain[0]).toMatchObject({ text: 'reg0', subscript: '0..15', span: { start: 38, end: 49 } });
    expect(move.colon!.dst![0]).toMatchObject({ text: 'reg1', subscript: '16..31', span: { start: 51, end: 63 } });
  });

  it.each([
    ['actions=load:1->reg0[0..3', 26, "unexpected end of flow, expected ']'"],
    ['actions=move:reg0[]->reg1[', 27, "unexpected end of flow, expected a name or value or ']'"],
    ['actions=load:1->reg0[ 1]', 22, "unexpected ' ', expected a name or value or ']'"],
  ])('%s is refused inside its brackets', (text, col, message) => {
    const r = readFlows(text, 'x.flows');
    expect(r.flows).toEqual([]);
    expect(r.diagnostics.map((d) => [d.col, d.message])).toEqual([[col, message]]);
  });
});
