// Diagnostics: file:line:col, the line, a caret under the span.
export interface Diagnostic {
  file: string;
  line: number;   // 1-based
  col: number;    // 1-based
  len: number;    // caret width
  message: string;
  lineText: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const caret = ' '.repeat(Math.max(0, d.col - 1)) + '^'.repeat(Math.max(1, d.len));
  return `${d.file}:${d.line}:${d.col}: ${d.message}\n  ${d.lineText}\n  ${caret}`;
}
