import { describeCall, excerpt } from './excerpt.ts';
import type { LineCounts } from './jsonl-lines.ts';
import { LoopTracker, type CallRun } from './loop-detect.ts';
import { endsWithQuestion, rejectionReason } from './rejection.ts';
import { classifyToolResult } from './tool-outcome.ts';
import { isLocalCommandCaveat, visitTranscript } from './transcript.ts';
import type { EventKind, SessionMetadata, TranscriptEvent } from './transcript-event.ts';

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
 * an Esc interrupt is weaker (people also interrupt to add context or change their mind): info.
 * A loop is a warning, escalated to error at LOOP_ERROR_CALLS calls, where the assistant is
 * plainly stuck. A session ending on an unanswered user line: warning.
 */

/** A loop of at least this many calls is reported as severity error. */
export const LOOP_ERROR_CALLS = 5;

/** Totals for one scanned file. */
export interface ScanStats extends LineCounts {
  events: number;
}

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
 * Rules (line = where the evidence is):
 * - tool_error: a failed tool result (is_error, legacy string error, or non-zero shell exit) that
 *   is not a refusal, an interrupt, or a cancellation caused by a failed parallel sibling.
 * - permission_denied: a failed tool result carrying refusal wording (Claude Code's "doesn't want
 *   to proceed" / "has been denied" / "haven't granted", or OS/database "permission denied").
 * - user_rejection: a human prompt (or queued prompt) matching rejection.ts after the assistant
 *   acted in the turn; an interrupt marker after assistant action unless it only accompanies a
 *   refusal already reported; a tool result that is itself an interrupt marker.
 * - loop: LOOP_MIN_CALLS+ consecutive near-identical calls in one thread; line = first call.
 * - abrupt_end: the last user/assistant line expecting a reply is a user line; line = that line.
 */
export class FailureScanner {
  private readonly findings: Finding[] = [];
  private readonly loops = new LoopTracker();
  private assistantActed = false;
  private refusalReported = false;
  private lastAssistantAsked = false;
  private lastMessage: TranscriptEvent | null = null;
  private eventCount = 0;

  /** Processes the next event in file order. */
  push(event: TranscriptEvent): void {
    this.eventCount += 1;
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
    const last = this.lastMessage;
    if (last && !ASSISTANT_KINDS.has(last.kind)) {
      this.add('abrupt_end', 'warning', last, last.kind === 'tool_result' ? `Unanswered tool result: ${last.text}` : last.text);
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
    if (event.kind === 'tool_use') this.lastAssistantAsked = false;
    else if (event.kind === 'assistant_text' && event.text.trim() !== '') this.lastAssistantAsked = endsWithQuestion(event.text);
  }

  private onToolResult(event: TranscriptEvent): void {
    const result = event.result;
    if (!result) return;
    const outcome = classifyToolResult(result);
    const label = describeCall(result.toolName, result.toolInput);
    if (outcome.kind === 'permission') {
      this.refusalReported = true;
      this.add('permission_denied', 'warning', event, `${label}: ${result.text}`);
    } else if (outcome.kind === 'interrupted') {
      this.refusalReported = true;
      this.add('user_rejection', 'info', event, `${label}: ${result.text}`);
    } else if (outcome.kind === 'error') {
      this.add('tool_error', 'warning', event, `${label}: ${result.text}`);
    }
  }

  private onHuman(event: TranscriptEvent): void {
    if (this.assistantActed && rejectionReason(event.text, { afterQuestion: this.lastAssistantAsked })) {
      this.add('user_rejection', 'warning', event, event.text);
    }
    this.addLoops(this.loops.breakAll());
    // A queued prompt arrives while the assistant keeps working, so the turn state carries on.
    if (event.kind === 'human_prompt') this.resetTurn();
  }

  private onInterrupt(event: TranscriptEvent): void {
    if (this.assistantActed && !this.refusalReported) this.add('user_rejection', 'info', event, event.text);
    this.addLoops(this.loops.breakAll());
    this.resetTurn();
  }

  private resetTurn(): void {
    this.assistantActed = false;
    this.refusalReported = false;
    this.lastAssistantAsked = false;
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
    this.findings.push({ findingType, severity, line: event.line, turnIndex: event.turnIndex, excerpt: excerpt(text) });
  }
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
