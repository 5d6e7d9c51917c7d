import { asString, isRecord } from './json-value.ts';

/** Longest excerpt shown for a finding. */
export const EXCERPT_MAX_CHARS = 300;

// Terminal colour codes are common in Bash output and unreadable in a web page.
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * The head of `text` that an excerpt reads: only it can survive the cap, so a multi-megabyte tool output is
 * never collapsed whole. Text put after a label should be cut to this first: `label + text` of a long text is
 * copied in full the moment it is sliced.
 */
export function excerptSource(text: string, max: number = EXCERPT_MAX_CHARS): string {
  return text.length > max * 8 ? text.slice(0, max * 8) : text;
}

// An escape sequence that the end of a cut text may have cut short.
const OPEN_ESCAPE = /^\u001b(?:\[[0-9;?]*)?$/;

/** Display text for a finding: ANSI codes removed, whitespace collapsed, capped with an ellipsis. */
export function excerpt(text: string, max: number = EXCERPT_MAX_CHARS): string {
  // A long text's first 2×max characters usually fill the excerpt already. Flattening a prefix gives a prefix
  // of the whole text's flattening (a whitespace run cut short still becomes one space), unless the cut falls
  // inside an escape sequence, so when that prefix flattens to more than `max`, its excerpt is the text's.
  if (text.length > max * 2) {
    const head = text.slice(0, max * 2);
    const escape = head.lastIndexOf('\u001b');
    if (escape === -1 || !OPEN_ESCAPE.test(head.slice(escape))) {
      const flat = flatten(head);
      if (flat.length > max) return `${flat.slice(0, max - 1)}…`;
    }
  }
  const flat = flatten(excerptSource(text, max));
  if (flat.length <= max) return flat;
  return `${flat.slice(0, max - 1)}…`;
}

function flatten(text: string): string {
  return text.replace(ANSI_ESCAPE, '').replace(/\s+/g, ' ').trim();
}

/** Short human-readable label for a tool call, e.g. `Bash(npm run build)` or `Read(/a/b.ts)`. */
export function describeCall(name: string | null, input: unknown): string {
  const label = name ?? 'tool';
  if (!isRecord(input)) return label;
  const target =
    asString(input.command) ??
    asString(input.file_path) ??
    asString(input.notebook_path) ??
    asString(input.pattern) ??
    asString(input.path) ??
    asString(input.url) ??
    asString(input.query) ??
    asString(input.description) ??
    asString(input.task_id) ??
    asString(input.skill);
  const shown = target ?? JSON.stringify(input);
  return `${label}(${excerpt(shown, 80)})`;
}
