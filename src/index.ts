// Library entry: the pure core.
export { readFlows, type FlowFile } from './parse/flows.js';
export { formatFlow } from './model/print-flow.js';
export { formatDiagnostic, type Diagnostic } from './parse/diagnostic.js';
export { FIELDS, fieldByName } from './model/fields.js';
export { ACTIONS, actionByName } from './model/actions/index.js';
export type { Flow } from './model/flow.js';
export { formatFlowLines } from './model/print-flow.js';
export { newConntrack, newCtPacketCache, type Conntrack, type CtPacket } from './conntrack/index.js';
export { readGroups } from './parse/groups.js';
export { parsePacket } from './packet/packet.js';
export { buildPipeline } from './pipeline/pipeline.js';
export { runPacket } from './pipeline/run.js';
export { formatTraceText } from './trace/text.js';
