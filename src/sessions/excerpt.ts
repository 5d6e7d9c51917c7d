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

/** Display text for a finding: ANSI codes removed, whitespace collapsed, capped with an ellipsis. */
export function excerpt(text: string, max: number = EXCERPT_MAX_CHARS): string {
  const flat = excerptSource(text, max).replace(ANSI_ESCAPE, '').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, max - 1)}…`;
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
