// Structured errors for bad flow text: a message and the span of the offending text.
// The file reader turns spans into file:line:col with the line and a caret.
import type { Span } from '../../grammar/syntax.js';

export class FlowError extends Error {
  constructor(message: string, readonly span: Span | null) {
    super(message);
    this.name = 'FlowError';
  }
}

export function fail(message: string, span: Span | null): never {
  throw new FlowError(message, span);
}
