// The shape every action shares: one object per action keeps its parsing, checking,
// printing and execution together (see design.md, rule 1).
import type { Item, Span } from '../../../grammar/syntax.js';
import type { Match } from '../match.js';
import type { FieldSpec } from '../fields.js';
import type { ExecCtx } from '../../pipeline/exec.js';
import type { ActionFacets } from './facets.js';

/** An action in the IR: which spec, its parsed arguments, where it was written. */
export interface Action<A = unknown> {
  name: string;          // the spec's name
  args: A;
  span: Span;
}

export interface ParseCtx {
  ports: Map<string, number>;          // port names (--names dumps, --ports)
  /** The line is a switch's dump (it carries counters): spellings only a switch prints are kept. */
  dump?: boolean;
  /** OpenFlow version the flows are added with (10 unless a dump or `# protocol:` says). */
  ofVersion?: number;
  /** Parses a nested action list (clone(...), write_actions(...), exec(...)). */
  parseActions(items: Item[]): Action[];
}

export interface FormatCtx {
  /** OpenFlow version of the dump being printed (10, 13, 15...): each action prints the form
   *  the switch sends in that version (OF1.0 actions, their OF1.1/1.2 forms, set_field). */
  ofVersion: number;
  /** ofVersion >= 15: set_field where OF1.0 dumps print load, even for partial writes. */
  of15: boolean;
  portNames?: Map<number, string>;
  formatActions(actions: Action[]): string;
}

export interface CheckCtx {
  match: Match;
  table: number;
  fail(message: string, span?: Span): never;
  /** The action whose nested list is being checked (ct, clone, ...), or null at top level. */
  outer?: string | null;
  /** Checks a nested action list (clone, write_actions, ct exec) against the same match. */
  checkActions(actions: Action[]): void;
  /**
   * The action does not fit the match (pop_vlan without a tag, mod_nw_src on a non-IP
   * flow...): OVS then allows only OpenFlow 1.0 for the flow, so a flow added over
   * OpenFlow 1.1+ is refused; over 1.0 it is taken as it is.
   */
  inconsistent(what: string): void;
  /**
   * The action exists only in OpenFlow 1.3+ encodings (NXAST subtype `nxast`). 'ofctl':
   * ovs-ofctl knows it and limits the flow to 1.3+ (encap); 'switch': ovs-ofctl sends it
   * over any version and a switch speaking an older one refuses the flow (decap). OVS finds
   * either only after every other check of the flow, so it is reported then.
   */
  needsOf13(name: string, nxast: number, refusedBy: 'ofctl' | 'switch'): void;
  /** ovs-ofctl limits the flow to OpenFlow 1.1+ (push_vlan, which 1.0 cannot carry). */
  needsOf11(name: string): void;
}

/** `ActionFacets`: what lint reads about the action (facets.ts). */
export interface ActionSpec<A = any> extends ActionFacets<A> {
  name: string;
  /** Other spellings OVS accepts for the same action (e.g. `mod_dl_src` ≙ `set_field:…->eth_src`). */
  aliases?: readonly string[];
  /** From the syntax item (`name`, `name:value`, `name(args)`) to arguments. */
  parse(item: Item, ctx: ParseCtx): A;
  /** Semantic checks ovs-ofctl makes (throws via ctx.fail). */
  check?(args: A, ctx: CheckCtx): void;
  /** Canonical text, as `ovs-ofctl dump-flows` prints the action. */
  format(args: A, ctx: FormatCtx): string;
  /**
   * Runs the action on the packet (src/pipeline/exec.ts). An action without it makes a
   * run fail with an error naming the action.
   */
  execute?(args: A, x: ExecCtx): void;
  /**
   * Declares that execute() does nothing but write the bits `mask` of `field` with `value`
   * (set_field, load): the interpreter may then apply a run of such actions as one
   * compiled write instead of calling each.
   */
  fieldWrite?(args: A): { field: FieldSpec; value: bigint; mask: bigint };
  /**
   * Declares that execute() does nothing but resubmit (ExecCtx.resubmit with these
   * arguments): the interpreter may then run it without calling the action.
   */
  jump?(args: A): { inPort: number | null; table: number | null; ct: boolean };
  /** Set when the action may only appear inside write_actions / as an instruction, etc. */
  instruction?: boolean;
  /**
   * Its datapath actions cannot be undone by later ones (encap, decap: OVS's
   * reversible_actions), so a clone() holding it in its own list, unless last, is a
   * datapath clone(...). (A ct() reached from a clone is seen in its datapath actions.)
   */
  irreversible?: true;
}
