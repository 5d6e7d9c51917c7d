import { describeCall, excerpt, excerptSource } from './excerpt.ts';
import type { LineCounts } from './jsonl-lines.ts';
import { asString, isRecord } from './json-value.ts';
import { LoopTracker, type CallRun } from './loop-detect.ts';
import { maskedFailure } from './masked-failure.ts';
import { claimsAbsence, endsWithQuestion, rejectionReason, TurnWords } from './rejection.ts';
import { classifyToolResult } from './tool-outcome.ts';
import { isLocalCommandCaveat, visitTranscript } from './transcript.ts';
import type { EventKind, SessionMetadata, ToolResult, TranscriptEvent } from './transcript-event.ts';

/** The deterministic failure signals. */
export const FINDING_TYPES = ['tool_error', 'permission_denied', 'user_rejection', 'loop', 'abrupt_end'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];
export type Severity = 'info' | 'warning' | 'error';

/**
 * One piece of evidence produces at most one finding: a refused tool call is permission_denied,
 * not also tool_error; the "[Request interrupted by user for tool use]" line that follows a
 * refusal is part of that refusal, not a separate user_rejection.
 */
export interface Finding {
  findingType: FindingType;
  severity: Severity;
  /** 1-based physical line of the evidence (see each type in FailureScanner). */
  line: number;
  turnIndex: number;
  excerpt: string;
}

/*
 * Severity policy. Tool errors and refusals are routine (Claude usually recovers): warning.
 * A typed rejection ("no, that's wrong") is direct evidence the assistant went astray: warning;
 * the Esc interrupt before such a correction is reported too, as info.
 * A loop is a warning, escalated to error at LOOP_ERROR_CALLS calls, where the assistant is
 * plainly stuck. A session ending on an unanswered user line: warning.
 */

/** A loop of at least this many calls is reported as severity error. */
export const LOOP_ERROR_CALLS = 5;

/** Totals for one scanned file. */
export interface ScanStats extends LineCounts {
  events: number;
}

/** Tool-input fields whose words say what a call was about (see TurnWords). */
const DESCRIPTIVE_INPUT_KEYS = ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'skill', 'plan'];
/** Claude Code's automatic first prompt after a plan is approved with "clear context". */
const IMPLEMENT_PLAN = /^\s*Implement the following plan\b/;
/** A failed result that the tool itself wrote; a PreToolUse hook's block never looks like these. */
const TOOL_OWN_FAILURE = /^(?:Exit code -?\d+|<tool_use_error>|\[Request interrupted|Command timed out|Error: Exit code)/;

/** Assistant kinds; any of them answers the preceding user line. */
const ASSISTANT_KINDS = new Set<EventKind>(['assistant_text', 'thinking', 'tool_use']);
/** User-line kinds that expect an assistant reply; commands and local-command caveats do not. */
const AWAITING_REPLY_KINDS = new Set<EventKind>([
  'human_prompt',
  'interrupt',
  'tool_result',
  'hook_feedback',
  'task_notification',
  'compact_summary',
  'subagent_prompt',
  'meta',
]);

/**
 * Streaming failure detector: feed events in file order with push(), then call finish().
 * Holds only per-thread loop state and a few flags, never the event list.
 *
 * Rules (line = where the evidence is); docs/findings.md is the definition they implement:
 * - tool_error: a failed tool result (is_error, legacy string error, non-zero shell exit, or a shell
 *   output that shows a failure its exit code hid, see masked-failure.ts) that is not a refusal, an
 *   interrupt, or a cancellation caused by a failed parallel sibling.
 * - permission_denied: a refused call: Claude Code's refusal wording, OS/database "permission
 *   denied", sudo wanting a password, or a PreToolUse hook's block (a failed result for a call whose
 *   PreToolUse hook ran, that the tool never wrote itself). An ExitPlanMode rejection followed by
 *   Claude Code's "Implement the following plan" prompt is a plan approved with "clear context".
 * - user_rejection: a human prompt (or queued prompt) matching rejection.ts after the assistant
 *   acted in the turn; an interrupt marker only when a correction follows it (then both lines).
 * - loop: LOOP_MIN_CALLS+ consecutive near-identical calls in one thread; line = first call.
 * - abrupt_end: the last user/assistant line expecting a reply is a user line; line = that line.
 */
export class FailureScanner {
  private readonly findings: Finding[] = [];
  private readonly loops = new LoopTracker();
  private readonly turnWords = new TurnWords();
  /** Tool calls whose PreToolUse hook ran, and those whose PostToolUse(Failure) hook ran. */
  private readonly preToolHooks = new Set<string>();
  private readonly postToolHooks = new Set<string>();
  private assistantActed = false;
  private refusalReported = false;
  /**
   * The assistant's last words in the turn, and whether it acted after them. They are judged (a question?
   * a claim that something is missing?) only when a person answers, not for every line the assistant writes.
   */
  private lastAssistantText: string | null = null;
  private actedAfterText = false;
  /** An interrupt waiting for the person's next words: a rejection only if they correct. */
  private pendingInterrupt: TranscriptEvent | null = null;
  /** A correction was typed (queued) while the assistant worked in this turn. */
  private queuedCorrection = false;
  /** An ExitPlanMode refusal, kept until the next prompt shows whether the plan was approved. */
  private pendingPlanRefusal: Finding | null = null;
  /** Text of the last queued prompt, to recognise it when Claude Code delivers it as a prompt. */
  private lastQueuedText: string | null = null;
  private lastMessage: TranscriptEvent | null = null;
  private eventCount = 0;

  /** Processes the next event in file order. */
  push(event: TranscriptEvent): void {
    this.eventCount += 1;
    // Over half of all lines are progress ticks; only a hook's tick for a tool call matters, and none answers a line.
    if (event.kind === 'progress') {
      if (event.hookEvent !== undefined) this.onHookProgress(event);
      return;
    }
    if (ASSISTANT_KINDS.has(event.kind)) this.onAssistant(event);
    else if (event.kind === 'tool_result') this.onToolResult(event);
    else if (event.kind === 'human_prompt' || event.kind === 'queued_prompt') this.onHuman(event);
    else if (event.kind === 'interrupt') this.onInterrupt(event);
    this.trackLastMessage(event);
  }

  /** Number of events seen. */
  get events(): number {
    return this.eventCount;
  }

  /** Closes open loop runs, decides abrupt_end, and returns all findings ordered by line. */
  finish(): Finding[] {
    this.addLoops(this.loops.breakAll());
    this.settlePlanRefusal(null);
    const last = this.lastMessage;
    if (last && !ASSISTANT_KINDS.has(last.kind)) {
      this.add('abrupt_end', 'warning', last, last.kind === 'tool_result' ? `Unanswered tool result: ${excerptSource(last.text)}` : last.text);
    }
    return [...this.findings].sort((a, b) => a.line - b.line || FINDING_TYPES.indexOf(a.findingType) - FINDING_TYPES.indexOf(b.findingType));
  }

  private onAssistant(event: TranscriptEvent): void {
    this.assistantActed = true;
    this.refusalReported = false;
    if (event.kind === 'tool_use') {
      const ended = this.loops.observe(event);
      if (ended) this.addLoops([ended]);
    }
    if (event.sidechain) return;
    if (event.kind === 'tool_use') {
      this.actedAfterText = true;
      const input = event.call?.input;
      if (isRecord(input)) {
        for (const key of DESCRIPTIVE_INPUT_KEYS) {
          const value = asString(input[key]);
          if (value) this.turnWords.add(value);
        }
      }
    } else if (event.kind === 'assistant_text' && event.text.trim() !== '') {
      this.lastAssistantText = event.text;
      this.actedAfterText = false;
      this.turnWords.add(event.text);
    }
  }

  private onHookProgress(event: TranscriptEvent): void {
    const id = event.toolUseId;
    if (id === undefined) return;
    if (event.hookEvent === 'PreToolUse') this.preToolHooks.add(id);
    else if (event.hookEvent?.startsWith('PostToolUse')) this.postToolHooks.add(id);
  }

  private onToolResult(event: TranscriptEvent): void {
    const result = event.result;
    if (!result) return;
    const blockedByHook = this.blockedByHook(result);
    this.preToolHooks.delete(result.toolUseId);
    this.postToolHooks.delete(result.toolUseId);
    const outcome = classifyToolResult(result);
    let kind: string = outcome.kind;
    if (kind === 'error' && blockedByHook) kind = 'permission';
    else if (kind === 'ok') kind = maskedFailure(result) ?? 'ok';
    if (kind === 'permission') {
      this.refusalReported = true;
      const finding = this.finding('permission_denied', 'warning', event, resultExcerpt(result));
      if (result.toolName === 'ExitPlanMode') {
        this.settlePlanRefusal(null);
        this.pendingPlanRefusal = finding;
      } else {
        this.findings.push(finding);
      }
    } else if (kind === 'interrupted') {
      // The marker line that normally follows is the person's own line; keep this one only if none comes.
      if (this.assistantActed) this.pendingInterrupt ??= event;
    } else if (kind === 'error') {
      this.add('tool_error', 'warning', event, resultExcerpt(result));
    }
  }

  /** A failed result the tool did not write itself, for a call whose PreToolUse hook ran (and no PostToolUse hook). */
  private blockedByHook(result: ToolResult): boolean {
    const id = result.toolUseId;
    if (!result.isError || !this.preToolHooks.has(id) || this.postToolHooks.has(id)) return false;
    return !TOOL_OWN_FAILURE.test(result.text.trimStart());
  }

  private onHuman(event: TranscriptEvent): void {
    const automatic = event.kind === 'human_prompt' && IMPLEMENT_PLAN.test(event.text);
    if (event.kind === 'human_prompt') this.settlePlanRefusal(automatic ? 'approved' : null);
    const interrupt = this.pendingInterrupt;
    // A queued message is delivered later as an ordinary prompt; it was judged where it was typed.
    const delivered = event.kind === 'human_prompt' && this.lastQueuedText !== null && event.text.trim() === this.lastQueuedText;
    this.lastQueuedText = event.kind === 'queued_prompt' ? event.text.trim() : null;
    if (!automatic && !delivered && (this.assistantActed || interrupt)) {
      const said = this.lastAssistantText;
      const reason = rejectionReason(event.text, {
        afterQuestion: !interrupt && !this.actedAfterText && said !== null && endsWithQuestion(said),
        afterInterrupt: interrupt !== null,
        afterNegativeClaim: said !== null && claimsAbsence(said),
        relatesToTurn: (text) => this.turnWords.overlaps(text),
        relatesToRecentWork: (text) => this.turnWords.overlapsRecent(text),
      });
      if (reason) {
        if (interrupt) this.add('user_rejection', 'info', interrupt, interrupt.text);
        this.add('user_rejection', 'warning', event, event.text);
        if (event.kind === 'queued_prompt') this.queuedCorrection = true;
      }
    }
    this.pendingInterrupt = null;
    this.addLoops(this.loops.breakAll());
    // A queued prompt arrives while the assistant keeps working, so the turn state carries on.
    if (event.kind === 'human_prompt') {
      this.resetTurn();
      this.queuedCorrection = false;
      this.turnWords.endTurn();
    }
  }

  private onInterrupt(event: TranscriptEvent): void {
    if (this.refusalReported) {
      // The marker that follows a refused call is part of that refusal.
      this.pendingInterrupt = null;
    } else if (this.queuedCorrection) {
      // The correction was typed (queued) before the person pressed Esc.
      this.add('user_rejection', 'info', event, event.text);
      this.pendingInterrupt = null;
    } else if (this.assistantActed || this.pendingInterrupt) {
      this.pendingInterrupt = event;
    }
    this.queuedCorrection = false;
    this.addLoops(this.loops.breakAll());
    this.resetTurn();
  }

  /** Reports a kept ExitPlanMode refusal unless the plan turned out approved with "clear context". */
  private settlePlanRefusal(outcome: 'approved' | null): void {
    if (this.pendingPlanRefusal && outcome !== 'approved') this.findings.push(this.pendingPlanRefusal);
    this.pendingPlanRefusal = null;
  }

  private resetTurn(): void {
    this.assistantActed = false;
    this.refusalReported = false;
    this.lastAssistantText = null;
    this.actedAfterText = false;
  }

  private trackLastMessage(event: TranscriptEvent): void {
    if (ASSISTANT_KINDS.has(event.kind)) this.lastMessage = event;
    else if (AWAITING_REPLY_KINDS.has(event.kind) && !(event.kind === 'meta' && isLocalCommandCaveat(event.text))) {
      this.lastMessage = event;
    }
  }

  private addLoops(runs: CallRun[]): void {
    for (const run of runs) {
      const call = run.first.call;
      const severity: Severity = run.count >= LOOP_ERROR_CALLS ? 'error' : 'warning';
      this.add('loop', severity, run.first, `${run.count}× ${describeCall(call?.name ?? null, call?.input)}`);
    }
  }

  private add(findingType: FindingType, severity: Severity, event: TranscriptEvent, text: string): void {
    this.findings.push(this.finding(findingType, severity, event, text));
  }

  private finding(findingType: FindingType, severity: Severity, event: TranscriptEvent, text: string): Finding {
    return { findingType, severity, line: event.line, turnIndex: event.turnIndex, excerpt: excerpt(text) };
  }
}

/** The call and what it answered; only built for a finding, most results need none. */
function resultExcerpt(result: ToolResult): string {
  return `${describeCall(result.toolName, result.toolInput)}: ${excerptSource(result.text)}`;
}

/** Runs the detector over already-normalized events (tests, or events kept for another purpose). */
export function scanEvents(events: Iterable<TranscriptEvent>): Finding[] {
  const scanner = new FailureScanner();
  for (const event of events) scanner.push(event);
  return scanner.finish();
}

/**
 * Scans a transcript file in one streaming pass with bounded memory. `stats` counts lines by
 * outcome (malformed and oversized lines are skipped, never fatal) and events produced.
 */
export async function scanTranscriptFile(
  path: string,
): Promise<{ findings: Finding[]; stats: ScanStats; metadata: SessionMetadata }> {
  const scanner = new FailureScanner();
  const { counts, metadata } = await visitTranscript(path, (event) => scanner.push(event));
  return { findings: scanner.finish(), stats: { ...counts, events: scanner.events }, metadata };
}
