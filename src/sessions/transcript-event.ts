/**
 * What one piece of a Claude Code transcript is. A JSONL line can yield several events (an
 * assistant line may carry text plus tool calls; a user line may carry several tool results).
 *
 * User-side kinds, and why they are told apart: only `human_prompt` is text a person typed as a
 * request, so only it starts a turn and only it (plus `interrupt` and `queued_prompt`) can be a
 * rejection. Everything else on a `type: "user"` line is written by Claude Code itself, a hook, a
 * slash command, or the parent agent.
 */
export type EventKind =
  | 'human_prompt' // typed by the person at the keyboard
  | 'interrupt' // "[Request interrupted by user]" / "... for tool use" markers (the person pressed Esc or declined)
  | 'queued_prompt' // typed while Claude was busy (queue-operation enqueue); delivered mid-turn
  | 'command' // slash commands and their local output: <command-name>, <local-command-stdout>, <bash-input>
  | 'meta' // isMeta lines: skill/command expansions, caveats, <system-reminder> context
  | 'hook_feedback' // "Stop hook feedback:" and similar hook output fed back to the model
  | 'task_notification' // <task-notification> about a background command
  | 'compact_summary' // summary injected after /compact or auto-compaction
  | 'subagent_prompt' // the parent agent's instructions to a subagent (sidechain)
  | 'tool_result'
  | 'assistant_text'
  | 'thinking'
  | 'tool_use'
  | 'system' // type: system lines (compact boundary, stop-hook summary, turn duration, local command echo)
  | 'summary' // type: summary (session title lines in older files)
  | 'progress' // hook/bash/agent progress ticks
  | 'snapshot' // file-history-snapshot
  | 'queue' // queue-operation other than a human enqueue
  | 'unknown'; // a type this code does not know yet; kept so timestamps still count

/** Token counts as reported in an assistant message's `usage`. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export interface ToolResult {
  toolUseId: string;
  /** Name and input of the matching tool_use, when it appeared earlier in the file. */
  toolName: string | null;
  toolInput: unknown;
  /** `is_error` on the block, or an older 1.0.x string `toolUseResult` beginning "Error". */
  isError: boolean;
  text: string;
  /** The structured `toolUseResult` / `tool_use_result` field (object or legacy string), if any. */
  detail: unknown;
}

export interface TranscriptEvent {
  kind: EventKind;
  /** 1-based physical line in the file (blank and malformed lines count). */
  line: number;
  /** 0-based conversational turn; a new turn starts at each human_prompt. */
  turnIndex: number;
  timestamp: string | null;
  sidechain: boolean;
  /**
   * Which conversation thread the event belongs to: "main", or one per subagent. Older files
   * interleave subagent lines with the main thread, so consecutive-call logic must be per thread.
   */
  thread: string;
  /** Human/assistant text, tool result text, command or hook text; "" when there is none. */
  text: string;
  /** `message.id` for assistant events, used to de-duplicate usage repeated on each block's line. */
  messageId?: string;
  model?: string;
  usage?: TokenUsage;
  call?: ToolCall;
  result?: ToolResult;
  /** `subtype` of system lines, `operation` of queue lines, `data.type` of progress lines. */
  subtype?: string;
  /** Progress lines of a hook run for a tool call: the hook event (`PreToolUse`, …) and the call's id. */
  hookEvent?: string;
  toolUseId?: string;
}

/** Session-level facts gathered while normalizing. */
export interface SessionMetadata {
  sessionId: string | null;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  /** Claude Code `version` of the last line that carried one (it can change across a resumed session). */
  version: string | null;
  versions: string[];
  /** Models that answered, in order of first appearance; "<synthetic>" placeholders excluded. */
  models: string[];
  cwd: string | null;
  gitBranch: string | null;
  /** True for agent-*.jsonl files and files whose lines are all sidechain. */
  isSubagent: boolean;
}
