import { withinEditDistance } from './edit-distance.ts';
import { isRecord } from './json-value.ts';
import type { ToolCall, TranscriptEvent } from './transcript-event.ts';

/** A run of this many consecutive near-identical calls is a loop. */
export const LOOP_MIN_CALLS = 3;

/**
 * Fields naming what a call acts on. They must match exactly: reading three different files of
 * one folder, or fetching three package pages, is a fan-out, not a loop, even though the inputs
 * differ by a few characters.
 */
const TARGET_KEYS = new Set([
  'file_path',
  'notebook_path',
  'path',
  'url',
  'pattern',
  'glob',
  'task_id',
  'shell_id',
  'bash_id',
  'skill',
  'subagent_type',
  'offset',
  'limit',
]);
/** Fields that describe or tune a call without changing what it does. */
const COSMETIC_KEYS = new Set(['description', 'timeout']);
/** Edit budget: one character per this many of the longer input (so none for short commands). */
const CHARS_PER_EDIT = 40;
/** Longer bodies must match exactly, keeping comparison cost bounded. */
const MAX_FUZZY_CHARS = 16 * 1024;
// A number standing on its own ("sleep 5", "tail -20", "--port 3001"), not one inside an
// identifier such as "task-4.5", "sales_2024", "file1.txt" or a revision such as "HEAD~2".
const HAS_DIGIT = /\d/;
const STANDALONE_NUMBER = /(?<![\w.\/\\:~^@#-])-?\d+(?:\.\d+)?(?![\w.\/\\:-])/g;
/** Search patterns that differ only in escaping or by a couple of characters are the same search. */
const PATTERN_EDITS = 2;
const MIN_PATTERN_FOR_EDITS = 6;

// Ways of re-running the same shell command that do not change what it does: a polling `sleep N &&`
// or `timeout N` prefix, an answer piped into its stdin, `2>&1`, and a `| tail`/`| head` window.
const SHELL_PREFIXES = /^(?:(?:sleep\s+[\d.]+[smhd]?\s*(?:&&|;)\s*)|(?:timeout\s+(?:-\S+\s+)*[\d.]+[smhd]?\s+)|(?:(?:echo|printf|yes)(?:\s+(?:-\w+\s+)*(?:"[^"]*"|'[^']*'|[^\s|&;]+))?\s*\|\s*))+/;
const SHELL_WINDOW = /(?:\s*\|\s*(?:tail|head)(?:\s+-n)?(?:\s+-?\d+)?\s*)+$/;
const STDERR_MERGE = /\s*2>&1/g;

/** The comparable form of a call: `target` must be equal, `body` nearly equal. */
export interface CallSignature {
  name: string;
  target: string;
  body: string;
  /** A search pattern, compared leniently (escapes removed, a couple of edits allowed). */
  pattern?: string;
  /** A shell command's words that are not flags, and its flags, after normalizeCommand. */
  words?: string[];
  flags?: string[];
}

/** Builds the signature of a tool call (see TARGET_KEYS / COSMETIC_KEYS for what is compared how). */
export function callSignature(name: string, input: unknown): CallSignature {
  const target: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  // Normalized once: the body and the word lists below both need it.
  const command = isRecord(input) && typeof input.command === 'string' ? normalizeCommand(input.command) : undefined;
  // normalizeCommand already collapsed and trimmed the whitespace; only the numbers are left to normalize.
  const numbersNormalized = command?.replace(STANDALONE_NUMBER, '0');
  if (isRecord(input)) {
    for (const key of Object.keys(input).sort()) {
      if (COSMETIC_KEYS.has(key)) continue;
      const value = input[key];
      if (key === 'pattern' && typeof value === 'string') continue;
      if (key === 'command' && numbersNormalized !== undefined) rest[key] = numbersNormalized;
      else if (TARGET_KEYS.has(key)) target[key] = typeof value === 'string' ? value.trim() : value;
      else rest[key] = normalizeValue(value);
    }
  } else {
    rest.input = normalizeValue(input);
  }
  const signature: CallSignature = { name, target: JSON.stringify(target), body: JSON.stringify(rest) };
  if (isRecord(input) && typeof input.pattern === 'string') signature.pattern = input.pattern.replace(/\\/g, '').trim();
  if (command !== undefined) {
    const words: string[] = [];
    const flags: string[] = [];
    const hasNumbers = numbersNormalized !== command;
    for (const token of command.split(' ')) {
      if (token === '') continue;
      if (token.startsWith('-')) flags.push(token);
      // A number never spans a space, so a word's numbers are normalized on their own as in the whole command.
      else words.push(hasNumbers && HAS_DIGIT.test(token) ? token.replace(STANDALONE_NUMBER, '0') : token);
    }
    signature.words = words;
    signature.flags = flags;
  }
  return signature;
}

/** A shell command without the re-run decorations of SHELL_PREFIXES / SHELL_WINDOW, whitespace collapsed. */
export function normalizeCommand(command: string): string {
  let out = collapseWhitespace(command).trim();
  // Each rewrite needs its literal; most commands have none, and a plain search is cheaper than the regex.
  if (out.includes('2>&1')) out = out.replace(STDERR_MERGE, '');
  out = out.replace(SHELL_PREFIXES, '');
  if (out.includes('|')) out = out.replace(SHELL_WINDOW, '');
  return out.trim();
}

// Whitespace that collapsing would change: a run of two or more, or a single tab, newline, etc.
const UNCOLLAPSED_WHITESPACE = /\s\s|[^\S ]/;

/** Every run of whitespace as one space; most commands have only single spaces, which a test finds faster than a rewrite. */
function collapseWhitespace(text: string): string {
  return UNCOLLAPSED_WHITESPACE.test(text) ? text.replace(/\s+/g, ' ') : text;
}

function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string') return collapseWhitespace(value).trim().replace(STANDALONE_NUMBER, '0');
  if (typeof value === 'number') return 0;
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = normalizeValue(value[key]);
    return out;
  }
  return value;
}

/**
 * Same tool, same target, and bodies equal or within a small edit distance. A shell command also
 * matches when its non-flag words are equal and at most two flags were added or dropped (a retry
 * with `--force`); a search pattern matches after unescaping, within two edits.
 */
export function nearIdentical(a: CallSignature, b: CallSignature): boolean {
  if (a.name !== b.name || a.target !== b.target) return false;
  if (a.pattern !== b.pattern && !similarPatterns(a.pattern, b.pattern)) return false;
  if (a.body === b.body) return true;
  if (a.words && b.words && sameCommandWords(a, b)) return true;
  const longer = Math.max(a.body.length, b.body.length);
  if (longer > MAX_FUZZY_CHARS) return false;
  return withinEditDistance(a.body, b.body, Math.floor(longer / CHARS_PER_EDIT));
}

function similarPatterns(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (Math.min(a.length, b.length) < MIN_PATTERN_FOR_EDITS) return a === b;
  return withinEditDistance(a, b, PATTERN_EDITS);
}

function sameCommandWords(a: CallSignature, b: CallSignature): boolean {
  const wa = a.words ?? [];
  const wb = b.words ?? [];
  if (wa.length === 0 || wa.length !== wb.length || wa.some((w, i) => w !== wb[i])) return false;
  const fa = new Set(a.flags);
  const fb = new Set(b.flags);
  let differing = 0;
  for (const f of fa) if (!fb.has(f)) differing += 1;
  for (const f of fb) if (!fa.has(f)) differing += 1;
  return differing <= 2;
}

/**
 * Cheap early answer for the common cases: two calls on different files, URLs or tasks, or inputs
 * whose text differs in length by more than normalization and the edit budget can explain.
 */
function targetsDiffer(a: unknown, b: unknown): boolean {
  if (!isRecord(a) || !isRecord(b)) return false;
  for (const key of QUICK_TARGET_KEYS) {
    const x = a[key];
    const y = b[key];
    if (typeof x === 'string' && typeof y === 'string' && x.trim() !== y.trim()) return true;
  }
  const la = textLength(a);
  const lb = textLength(b);
  return Math.abs(la - lb) > Math.max(la, lb) / CHARS_PER_EDIT + LENGTH_SLACK;
}
const QUICK_TARGET_KEYS = ['file_path', 'notebook_path', 'path', 'url', 'task_id', 'shell_id', 'bash_id'];
/** Characters that normalization may remove (a `sleep 30 &&` prefix, a `| tail -100` window, a flag). */
const LENGTH_SLACK = 96;

function textLength(input: Record<string, unknown>): number {
  let n = 0;
  for (const key in input) {
    const value = input[key];
    if (typeof value === 'string' && !COSMETIC_KEYS.has(key)) n += value.length;
  }
  return n;
}

/** A finished run of near-identical consecutive calls. */
export interface CallRun {
  first: TranscriptEvent;
  count: number;
}

interface OpenRun {
  first: TranscriptEvent;
  last: ToolCall;
  /** Assistant message of the last call: calls issued together in one message count as one step. */
  lastMessageId: string | undefined;
  /** Signature of `last`, built only once a same-named call needs comparing. */
  lastSignature: CallSignature | null;
  count: number;
}

/**
 * Tracks runs of consecutive calls per conversation thread. "Consecutive" means no other tool call
 * in the same thread in between; the assistant's text between calls does not break a run, but
 * the person stepping in (a prompt or an interrupt) does. Near-identical calls issued together in
 * one assistant message are one step (parallel calls are not a loop).
 */
export class LoopTracker {
  private readonly open = new Map<string, OpenRun>();

  /** Records a tool_use event; returns the run it ended, if that run was a loop. */
  observe(event: TranscriptEvent): CallRun | null {
    const call = event.call;
    if (!call) return null;
    const run = this.open.get(event.thread);
    let signature: CallSignature | null = null;
    if (run && run.last.name === call.name && !targetsDiffer(run.last.input, call.input)) {
      run.lastSignature ??= callSignature(run.last.name, run.last.input);
      signature = callSignature(call.name, call.input);
      if (nearIdentical(run.lastSignature, signature)) {
        if (event.messageId === undefined || event.messageId !== run.lastMessageId) run.count += 1;
        run.last = call;
        run.lastSignature = signature;
        run.lastMessageId = event.messageId;
        return null;
      }
    }
    this.open.set(event.thread, { first: event, last: call, lastSignature: signature, lastMessageId: event.messageId, count: 1 });
    return run && run.count >= LOOP_MIN_CALLS ? { first: run.first, count: run.count } : null;
  }

  /** Ends every open run (the person intervened); returns those that were loops. */
  breakAll(): CallRun[] {
    const loops = [...this.open.values()]
      .filter((run) => run.count >= LOOP_MIN_CALLS)
      .map((run) => ({ first: run.first, count: run.count }));
    this.open.clear();
    return loops;
  }
}
