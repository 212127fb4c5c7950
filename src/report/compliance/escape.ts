/**
 * Escaping for every string that came from an input (resource ids, messages, file names): the
 * report must show them, never interpret them.
 */

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values in HTML and SVG (quotes too, so it is safe inside attributes). */
export function html(text: string | number | undefined | null): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * Text in GitHub-flavoured Markdown, including table cells: inline markup characters are
 * backslash-escaped (block markers only where they could start a block), `<`/`>`/`&` become
 * entities (GitHub renders raw HTML), newlines become `<br>` so a multi-line message cannot
 * break out of its table row.
 */
export function md(text: string | number | undefined | null): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/^([#+-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/\r?\n/g, '<br>');
}

/** `code` spans in prose written for people (policy rationale and remediation). */
const CODE_SPAN = /`([^`\r\n]+)`/;

/** Splits prose into text and code spans: odd indexes are the code. */
function spans(text: string): string[] {
  return String(text).split(CODE_SPAN);
}

/** Prose for HTML: escaped, with its `code` spans shown as code rather than as backticks. */
export function htmlProse(text: string | undefined | null): string {
  return spans(text ?? '')
    .map((part, i) => (i % 2 === 1 ? `<code>${html(part)}</code>` : html(part)))
    .join('');
}

/** Prose for Markdown (table cells too): escaped text, `code` spans kept as code spans. */
export function mdProse(text: string | undefined | null): string {
  return spans(text ?? '')
    .map((part, i) => (i % 2 === 1 ? `\`${part.replace(/\|/g, '\\|')}\`` : md(part)))
    .join('');
}

/** Only http(s) links are rendered as links; anything else stays text. */
export function safeUrl(url: string): string | undefined {
  return /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : undefined;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** XML 1.0 cannot carry C0 controls other than tab/newline/return, nor U+FFFE/U+FFFF. */
function isXmlChar(c: number): boolean {
  return c >= 0x20 ? c !== 0xfffe && c !== 0xffff : c === 0x09 || c === 0x0a || c === 0x0d;
}

/** XML text and attributes; characters XML cannot carry are replaced. */
export function xml(text: string | number | undefined | null): string {
  const escaped = html(text).replace(/&#39;/g, '&apos;');
  let clean = true;
  for (let i = 0; i < escaped.length && clean; i++) clean = isXmlChar(escaped.charCodeAt(i));
  if (clean) return escaped;
  let out = '';
  for (let i = 0; i < escaped.length; i++) out += isXmlChar(escaped.charCodeAt(i)) ? escaped[i] : '\ufffd';
  return out;
}
