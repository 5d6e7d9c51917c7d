import { classifyToolResult } from './tool-outcome.ts';
import { visitTranscript } from './transcript.ts';
import type { TokenUsage, TranscriptEvent } from './transcript-event.ts';

/** A pause longer than this ends a block of activity; the idle time is not counted as active. */
export const ACTIVE_GAP_SECONDS = 10 * 60;

/** Per-session usage figures. */
export interface SessionUsage {
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  /** Conversational turns (highest turnIndex + 1; 0 when nobody spoke). A subagent file has one. */
  turns: number;
  /** Prompts a person typed (a subagent file has none: its prompt comes from the parent agent). */
  humanPrompts: number;
  toolCalls: Record<string, number>;
  toolCallTotal: number;
  /** Tool results that failed on their own: errors and refusals (not sibling cancellations or interrupts). */
  toolErrors: number;
  tokens: TokenUsage;
  /** Models that answered, in order of first appearance. */
  models: string[];
  /** Sum of gaps between consecutive timestamps, leaving out gaps over ACTIVE_GAP_SECONDS. */
  activeSeconds: number;
  /** Stretches of activity separated by gaps over ACTIVE_GAP_SECONDS. */
  activityBlocks: number;
}

/**
 * Accumulates usage from events in file order. Claude Code repeats a message's `usage` on every
 * line that carries one of its content blocks, with output_tokens growing while it streams, so
 * tokens are counted once per message id, taking the largest value seen for each kind.
 */
export class UsageAccumulator {
  private firstMs = Infinity;
  private lastMs = -Infinity;
  private firstTimestamp: string | null = null;
  private lastTimestamp: string | null = null;
  private turns = 0;
  private humanPrompts = 0;
  private readonly toolCalls = new Map<string, number>();
  private toolErrors = 0;
  private readonly byMessage = new Map<string, TokenUsage>();
  private readonly unkeyed: TokenUsage = zeroTokens();
  private readonly models: string[] = [];
  private activeMs = 0;
  private blocks = 0;
  private latestMs: number | null = null;

  /** Adds one event. */
  push(event: TranscriptEvent): void {
    this.noteTime(event.timestamp);
    if (event.kind === 'human_prompt') this.humanPrompts += 1;
    if (event.kind === 'human_prompt' || event.kind === 'assistant_text' || event.kind === 'tool_use') {
      this.turns = Math.max(this.turns, event.turnIndex + 1);
    }
    if (event.kind === 'tool_use' && event.call) {
      this.toolCalls.set(event.call.name, (this.toolCalls.get(event.call.name) ?? 0) + 1);
    }
    if (event.kind === 'tool_result' && event.result) {
      const outcome = classifyToolResult(event.result).kind;
      if (outcome === 'error' || outcome === 'permission') this.toolErrors += 1;
    }
    if (event.model && event.model !== '<synthetic>' && !this.models.includes(event.model)) this.models.push(event.model);
    if (event.usage) this.noteTokens(event.messageId, event.usage);
  }

  /** The totals so far. */
  result(): SessionUsage {
    const tokens = { ...this.unkeyed };
    for (const usage of this.byMessage.values()) addTokens(tokens, usage);
    const toolCalls = Object.fromEntries([...this.toolCalls.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return {
      firstTimestamp: this.firstTimestamp,
      lastTimestamp: this.lastTimestamp,
      turns: this.turns,
      humanPrompts: this.humanPrompts,
      toolCalls,
      toolCallTotal: [...this.toolCalls.values()].reduce((sum, n) => sum + n, 0),
      toolErrors: this.toolErrors,
      tokens,
      models: [...this.models],
      activeSeconds: Math.round(this.activeMs / 1000),
      activityBlocks: this.blocks,
    };
  }

  private noteTime(timestamp: string | null): void {
    if (!timestamp) return;
    const ms = Date.parse(timestamp);
    if (Number.isNaN(ms)) return;
    if (ms < this.firstMs) {
      this.firstMs = ms;
      this.firstTimestamp = timestamp;
    }
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.lastTimestamp = timestamp;
    }
    // Lines are not strictly time-ordered (queued prompts, interleaved subagents), so measure each
    // step from the latest time seen and ignore steps backwards.
    if (this.latestMs === null) {
      this.blocks = 1;
      this.latestMs = ms;
      return;
    }
    const gap = ms - this.latestMs;
    if (gap > ACTIVE_GAP_SECONDS * 1000) this.blocks += 1;
    else if (gap > 0) this.activeMs += gap;
    if (ms > this.latestMs) this.latestMs = ms;
  }

  private noteTokens(messageId: string | undefined, usage: TokenUsage): void {
    if (!messageId) {
      addTokens(this.unkeyed, usage);
      return;
    }
    const seen = this.byMessage.get(messageId);
    if (!seen) {
      this.byMessage.set(messageId, { ...usage });
      return;
    }
    seen.input = Math.max(seen.input, usage.input);
    seen.output = Math.max(seen.output, usage.output);
    seen.cacheCreation = Math.max(seen.cacheCreation, usage.cacheCreation);
    seen.cacheRead = Math.max(seen.cacheRead, usage.cacheRead);
  }
}

function zeroTokens(): TokenUsage {
  return { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };
}

function addTokens(into: TokenUsage, add: TokenUsage): void {
  into.input += add.input;
  into.output += add.output;
  into.cacheCreation += add.cacheCreation;
  into.cacheRead += add.cacheRead;
}

/** Usage over already-normalized events. */
export function usageFromEvents(events: Iterable<TranscriptEvent>): SessionUsage {
  const acc = new UsageAccumulator();
  for (const event of events) acc.push(event);
  return acc.result();
}

/** Usage of a transcript file, computed in one streaming pass. */
export async function summarizeUsage(path: string): Promise<SessionUsage> {
  const acc = new UsageAccumulator();
  await visitTranscript(path, (event) => acc.push(event));
  return acc.result();
}
