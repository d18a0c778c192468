// Where and why a text is not JSON, in faultline's words: JSON.parse's own messages ("Unexpected
// end of JSON input", "... at position 3") name neither the line nor what was expected.

/** The problem of `text`, which JSON.parse refused with `err`: "it ends before its JSON is complete", or "line 2 column 1 is not JSON: "[]"". */
export function jsonProblem(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (text.trim() === '') return 'it is empty';
  if (/end of JSON input|Unterminated string/.test(message)) return 'it ends before its JSON is complete (cut short?)';
  const position = /at position (\d+)/.exec(message);
  if (position) {
    const at = Math.min(Number(position[1]), text.length);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    return `line ${line} column ${column} is not JSON: ${JSON.stringify(text.slice(at, at + 30))}`;
  }
  return `it is not JSON from its start: ${JSON.stringify(text.trimStart().slice(0, 30))}`;
}
