import { asNumber, asString, isRecord } from './json-value.ts';
import type { ToolResult } from './transcript-event.ts';

/**
 * How a tool call ended, judged only from its result.
 * - `permission`: refused by the person, by Claude Code's permission settings, or by the OS/database.
 * - `interrupted`: the person pressed Esc while the tool ran (the result is an interrupt marker).
 * - `cascade`: Claude Code cancelled the call because a parallel sibling failed; the sibling's own
 *   result carries the real failure, so this one is not separate evidence.
 */
export type ToolOutcome =
  | { kind: 'ok' }
  | { kind: 'error'; exitCode: number | null }
  | { kind: 'permission' }
  | { kind: 'interrupted' }
  | { kind: 'cascade' };

/** Tools whose results report a shell exit status. */
const SHELL_TOOLS = new Set(['Bash', 'BashOutput', 'TaskOutput', 'KillShell', 'KillBash']);

// Claude Code's own wording when a tool use is declined or not permitted: the person at the
// prompt, a permission rule, auto mode's classifier, a managed policy, or a PreToolUse hook.
const CLAUDE_CODE_REFUSAL = new RegExp(
  [
    String.raw`The user doesn't want to (?:proceed with|take) this (?:tool use|action)`,
    String.raw`^User rejected tool use`,
    String.raw`Permission to use \S+[^\n]{0,300}? has been denied`,
    String.raw`requested permissions? to [^\n]{1,300}? but you haven't granted it`,
    String.raw`Permission for this [^\n]{0,40}? was denied`,
    String.raw`denied by (?:the )?auto mode classifier`,
    String.raw`^Denied by [^\n]{0,80}?polic(?:y|ies)`,
    String.raw`^(?:PreToolUse|PermissionRequest)(?::\S+)? hook (?:error|blocking error|denied)`,
    String.raw`\bblocked by (?:a |the )?(?:\S+ )?hook\b`,
    String.raw`^BLOCKED\b|^Blocked\b`,
  ].join('|'),
  'i',
);
// OS, database and cloud refusals; only trusted inside a failed result (see classifyToolResult).
const SYSTEM_REFUSAL =
  /\bpermission denied\b|\bEACCES\b|\bEPERM\b|\boperation not permitted\b|\baccess ?denied\b|\binsufficient privileges?\b|\bnot authorized to perform\b|\bdoes not have (the required )?permissions?\b|^sudo: (?:a password is required|a terminal is required|\d+ incorrect password attempts?)|\bis not in the sudoers file\b/im;
// The marker may follow the exit status of the command that was stopped ("Exit code 137\n[Request …").
const INTERRUPT_MARKER = /^(?:Exit code -?\d+\s+)?\[(?:Request interrupted by user|Interrupted by (?:the )?user)/;
// Older and newer wording of Claude Code cancelling the rest of a parallel batch.
const SIBLING_CANCELLED = /^(?:<tool_use_error>)?(?:Sibling tool call errored|Cancelled: parallel tool call)/;
const EXIT_CODE_PREFIX = /^Exit code (\d+)/;
const EXIT_CODE_TAG = /<exit_code>(-?\d+)<\/exit_code>/;
// Refusal wording sits near the start of a result; bounding the search keeps huge outputs cheap.
const SEARCH_CHARS = 64 * 1024;

/**
 * Classifies a tool result. A result counts as failed when it is flagged `is_error` (or carries an
 * older string error) or when a shell tool reports a non-zero exit. Refusal wording is only
 * believed in a failed result: a successful Read of a file that mentions "permission denied" is ok.
 */
export function classifyToolResult(result: ToolResult): ToolOutcome {
  const text = result.text.trimStart().slice(0, SEARCH_CHARS);
  const exitCode = shellExitCode(result, text);
  const failed = result.isError || (exitCode !== null && exitCode !== 0);
  if (INTERRUPT_MARKER.test(text) && (failed || text.length < 80)) return { kind: 'interrupted' };
  if (!failed) return { kind: 'ok' };
  const legacy = typeof result.detail === 'string' ? result.detail : '';
  if (CLAUDE_CODE_REFUSAL.test(text) || CLAUDE_CODE_REFUSAL.test(legacy)) return { kind: 'permission' };
  if (SYSTEM_REFUSAL.test(text)) return { kind: 'permission' };
  if (SIBLING_CANCELLED.test(text)) return { kind: 'cascade' };
  return { kind: 'error', exitCode };
}

/** True when the result failed in any way (used for usage counts, which include refusals). */
export function isFailedResult(outcome: ToolOutcome): boolean {
  return outcome.kind !== 'ok';
}

/**
 * The exit status a shell-like tool reported, or null when none is reported. A result carrying
 * `returnCodeInterpretation` (e.g. grep's "No matches found") was judged benign by Claude Code.
 */
export function shellExitCode(result: ToolResult, text: string = result.text.trimStart()): number | null {
  const detail = isRecord(result.detail) ? result.detail : null;
  const shellLike = result.toolName !== null ? SHELL_TOOLS.has(result.toolName) : detail !== null && 'stdout' in detail;
  if (!shellLike) return null;
  if (detail && !result.isError && asString(detail.returnCodeInterpretation)) return null;
  const fromDetail =
    asNumber(detail?.exitCode) ?? asNumber(detail?.exit_code) ?? (isRecord(detail?.task) ? asNumber(detail.task.exitCode) : undefined);
  if (fromDetail !== undefined) return fromDetail;
  const prefix = EXIT_CODE_PREFIX.exec(text);
  if (prefix) return Number(prefix[1]);
  // Most outputs carry no tag; a plain substring search rules it out faster than the regex.
  const tag = text.includes('<exit_code>') ? EXIT_CODE_TAG.exec(text) : null;
  if (tag) return Number(tag[1]);
  return null;
}
