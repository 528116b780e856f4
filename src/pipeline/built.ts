// Actions the translation makes itself (learned flows, frozen resubmit/group), built via the registry's from… facets.
import { ACTIONS } from '../model/actions/index.js';
import type { FieldWrite, TranslationFacets } from '../model/actions/facets.js';
import type { Action, ActionSpec } from '../model/actions/types.js';

type Builder = 'fromWrite' | 'fromPort' | 'fromTable' | 'fromGroupId' | 'fromFinTimeouts';

const BUILDERS = new Map<Builder, ActionSpec>();
const NO_SPAN = { start: 0, end: 0 };

/** The one action declaring `hook` (looked up on first use: the registry imports this module's users). */
function builder(hook: Builder): ActionSpec {
  let spec = BUILDERS.get(hook);
  if (!spec) {
    const all = ACTIONS.filter((a) => a[hook] !== undefined);
    if (all.length !== 1) throw new Error(`internal: ${all.length} actions declare ${hook}, expected exactly one`);
    spec = all[0];
    BUILDERS.set(hook, spec);
  }
  return spec;
}

function build<K extends Builder>(hook: K, ...input: Parameters<NonNullable<TranslationFacets<unknown>[K]>>): Action {
  const spec = builder(hook);
  const make = spec[hook] as (...x: typeof input) => unknown;
  return { name: spec.name, args: make(...input), span: NO_SPAN };
}

/** The action writing `w` (learned flows' loads). */
export const writeAction = (w: FieldWrite): Action => build('fromWrite', w);
/** The action outputting to `port` (learned flows' output:SRC). */
export const outputAction = (port: number): Action => build('fromPort', port);
/** The action resubmitting to `table` (a frozen goto_table). */
export const resubmitAction = (table: number): Action => build('fromTable', table);
/** The action running group `id` (where a frozen translation resumes). */
export const groupAction = (id: number): Action => build('fromGroupId', id);
/** The action giving a learned flow its FIN/RST timeouts. */
export const finTimeoutAction = (idle: number, hard: number): Action => build('fromFinTimeouts', idle, hard);
