// Making untrusted strings safe for the page: HTML text and attributes, and JSON inside <script>.

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes a value for HTML text or a quoted attribute; non-strings are turned into strings first. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}

const scriptJsonEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Serialises data as JSON that can sit inside a `<script type="application/json">` block: `<`, `>`
 * and `&` become \u escapes so no value can close the element or open a comment, and U+2028/9
 * are escaped so the text is also valid JavaScript.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => scriptJsonEscapes[c] ?? c);
}

/** Makes a stable, HTML-safe id fragment from a name (e.g. a checker name) for anchors. */
export function anchorId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
