// A trace as JSON data: the same passes and events the text renderer reads.
import type { Trace } from './events.js';

export function traceToJson(t: Trace): unknown {
  return {
    passes: t.passes.map((p) => ({
      recirc_id: p.recircId,
      resume_table: p.resumeTable,
      ct_state: p.ctState,
      ct_source: p.ctSource,
      flow: p.flow,
      events: p.events,
      final_flow: p.finalFlow,
      datapath_actions: p.datapathActions,
      outputs: p.outputs,
      failure: p.failure,
    })),
  };
}
