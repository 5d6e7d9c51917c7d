import { asString, isRecord } from './json-value.ts';
import type { ToolResult } from './transcript-event.ts';

/**
 * Failures that a shell result's text shows although no exit code says so: the command was piped
 * into `tail`/`head`, followed by `; echo done`, or ended with `|| true`, so Claude Code saw exit 0.
 *
 * Only results of shell-like tools are read, never Read/Grep/WebFetch output. A command that only
 * prints data (cat, grep, tail of a log, git log, docker logs, …) is judged only by its own error
 * lines (`cat: x: No such file or directory`), so a log that quotes "FAILED" or a traceback stays
 * clean. For commands that run something, a test runner's summary decides when there is one
 * (failures > 0 → failed; a passing summary → clean, whatever errors the tests logged); otherwise
 * compiler diagnostics, lint totals, build-tool failure lines and tracebacks count.
 */
export type MaskedOutcome = 'error' | 'permission' | null;

/** Tools whose result text is a command's output. */
const SHELL_TOOLS = new Set(['Bash', 'BashOutput', 'TaskOutput']);
/** Only the head and tail of an output are read: summaries sit at the end, crashes near the start. */
const EDGE_CHARS = 8 * 1024;

/** Programs (or program + subcommand) whose output is data, not a report on their own success. */
const READER_PROGRAMS = new Set([
  'cat', 'bat', 'less', 'more', 'head', 'tail', 'grep', 'egrep', 'fgrep', 'rg', 'ag', 'ack', 'sed', 'awk', 'cut', 'sort',
  'uniq', 'wc', 'tr', 'nl', 'jq', 'yq', 'xxd', 'od', 'strings', 'echo', 'printf', 'ls', 'tree', 'find', 'fd', 'stat', 'file',
  'du', 'df', 'diff', 'cmp', 'column', 'tee', 'xargs', 'true', 'pwd', 'which', 'type', 'realpath', 'readlink', 'basename',
  'dirname', 'journalctl', 'zcat', 'zgrep', 'tac', 'fold', 'fmt', 'comm', 'join', 'paste', 'cd', 'export', 'date', 'sleep',
  'curl', 'wget', 'env', 'printenv', 'whoami', 'id', 'hostname', 'uname', 'ps', 'lsof', 'md5sum', 'sha256sum', 'base64',
]);
const READER_SUBCOMMANDS = new Map<string, Set<string>>([
  ['git', new Set(['log', 'show', 'diff', 'blame', 'grep', 'status', 'branch', 'remote', 'config', 'ls-files', 'rev-parse', 'reflog', 'shortlog', 'tag', 'stash'])],
  ['docker', new Set(['logs', 'ps', 'images', 'inspect'])],
  ['kubectl', new Set(['logs', 'get', 'describe'])],
  ['gh', new Set(['pr', 'issue', 'run', 'api', 'repo'])],
  ['bd', new Set(['show', 'list', 'ready'])],
]);

// A program's own complaint about a path or itself: "cat: x: No such file or directory",
// "ls: cannot access 'x'", "(eval):1: no such file or directory: x", "bash: foo: command not found".
// The prefix must look like a program name (lower case), so a logged "FileNotFoundError: … No such
// file" line inside printed data is not taken for the command's own failure.
const OWN_MISSING =
  /^(?:\(eval\):\d+: (?:no such file or directory|command not found)|(?:[a-z][\w.\/-]*: )+(?:line \d+: )?(?:.*\b(?:No such file or directory|cannot access|cannot open)\b|.*command not found)|curl: \(\d+\) )/m;
const OWN_REFUSAL =
  /^(?:sudo: (?:a password is required|a terminal is required|\d+ incorrect password attempts?)|.* is not in the sudoers file|(?:\(eval\):\d+: |(?:[a-z][\w.\/-]*: )+)(?:line \d+: )?.*\b[Pp]ermission denied\b)/m;

/**
 * A test for "any of these multiline alternatives matches", each alternative one regex source where `^`
 * (only as its first character) means the start of a line. Same answer as `new RegExp(alternatives.join('|'), 'm')`,
 * several times faster on long outputs: that regex tries every alternative at every character, while here the
 * line-start alternatives are tried only where a line begins (the text's start, or after a line break, which
 * irregexp finds with a quick character scan).
 */
function anyLineMatches(alternatives: string[]): (text: string) => boolean {
  const atLineStart = alternatives.filter((a) => a.startsWith('^')).map((a) => a.slice(1));
  const anywhere = alternatives.filter((a) => !a.startsWith('^'));
  const lineStart = atLineStart.join('|');
  // Sticky, tried at index 0 only: the first line has no line break before it.
  const atTextStart = new RegExp(`(?:${lineStart})`, 'my');
  // The line terminators after which multiline `^` matches.
  const afterBreak = new RegExp(`[\\n\\r\\u2028\\u2029](?:${lineStart})`, 'm');
  const elsewhere = anywhere.length > 0 ? new RegExp(anywhere.join('|'), 'm') : null;
  return (text) => {
    atTextStart.lastIndex = 0;
    return atTextStart.test(text) || afterBreak.test(text) || (elsewhere !== null && elsewhere.test(text));
  };
}

// Test-runner summaries that report failures (pytest, jest, vitest, mocha, go, cargo, ExUnit,
// RSpec, minitest, PHPUnit, unittest, node:test/TAP) and the per-test failure lines they print.
const TESTS_FAILED = anyLineMatches(
  [
    String.raw`^=*\s*(?:\d+ \w+, )*[1-9]\d* (?:failed|errors?)\b.* in [\d.]+ ?m?s`,
    String.raw`^\s*(?:Tests?|Test Suites|Snapshots):\s+[1-9]\d* failed`,
    String.raw`^\s*(?:Test Files|Tests)\s+[1-9]\d* failed`,
    String.raw`^\s*[1-9]\d* (?:failing|failed|fail)\s*$`,
    String.raw`^--- FAIL: `,
    String.raw`^FAIL(?:\t|$)`,
    String.raw`^\s*FAIL\s+\S`,
    String.raw`^FAILED\b`,
    String.raw`^test result: FAILED\b`,
    String.raw`^error: test failed\b`,
    String.raw`\b\d+ (?:tests?|examples?|runs?|specs?)(?:, \d+ \w+)*, [1-9]\d* (?:failures?|errors?)\b`,
    String.raw`\bTests run: \d+, Failures: (?:[1-9]|\d+, Errors: [1-9])`,
    String.raw`\b[1-9]\d* tests? failed out of\b`,
    String.raw`\bwith [1-9]\d* failures?\b`,
    String.raw`\([1-9]\d* FAILED\)`,
    String.raw`^(?:FAILURES|ERRORS)!$`,
    String.raw`^[#ℹ] fail [1-9]`,
    String.raw`^not ok \d+`,
  ],
);
// Summaries of a run with no failures; these decide "clean" when nothing above matched.
const TESTS_PASSED = anyLineMatches(
  [
    String.raw`^=*\s*\d+ passed\b(?!.*\b[1-9]\d* (?:failed|errors?)\b)`,
    String.raw`^\s*Tests?:\s+(?:\d+ (?:passed|skipped|todo), )*\d+ passed, \d+ total`,
    String.raw`^\s*(?:Test Files|Tests)\s+\d+ passed\b`,
    String.raw`^\s*\d+ (?:passing|pass)\b`,
    String.raw`^ok\s+\S+\s+[\d.]+s`,
    String.raw`^test result: ok\.`,
    String.raw`\b\d+ (?:tests?|examples?|runs?|specs?)(?:, \d+ \w+)*, 0 (?:failures|errors)\b`,
    String.raw`\bTests run: \d+, Failures: 0, Errors: 0\b`,
    String.raw`^OK(?: \(|$)`,
    String.raw`^[#ℹ] fail 0\b`,
  ],
);
// Compiler, type-checker, linter and build-tool failures.
const BUILD_FAILED = anyLineMatches(
  [
    String.raw`\berror [A-Z]{1,4}\d{3,5}:`,
    String.raw`^error(?:\[E\d+\])?: `,
    String.raw`^\S+:\d+:(?:\d+:)? (?:fatal )?error: `,
    String.raw`^[\w.-]+: (?:fatal )?error: `,
    String.raw`^(?:\.\/)?\S+\.go:\d+:\d+: `,
    String.raw`: undefined reference to `,
    String.raw`^Found [1-9]\d* errors?\b`,
    String.raw`^\s*\d+:\d+\s+error\s`,
    String.raw`✖ [1-9]\d* problems? \([1-9]\d* errors?`,
    String.raw`\bwould be reformatted\b`,
    String.raw`^Code style issues found\b`,
    String.raw`\[warn\] Code style issues found`,
    String.raw`^make(?:\[\d+\])?: \*\*\* .*\bError \d+`,
    String.raw`^BUILD FAILED\b`,
    String.raw`^FAILURE: Build failed`,
    String.raw`^\[ERROR\] BUILD FAILURE`,
    String.raw`^npm (?:ERR!|error) `,
    String.raw`^error Command failed\b`,
    String.raw`\bELIFECYCLE\b.*\bfailed`,
    String.raw`^\s*ERR_PNPM_\w+`,
    String.raw`\bCommand failed with exit code [1-9]`,
    String.raw`^Failed to compile\b`,
    String.raw`^Type error: `,
    String.raw`^\s*\*\* \([A-Z][\w.]*\)`,
    String.raw`^== Compilation error`,
    String.raw`^ERROR: \S`,
  ],
);
// A crash: tracebacks and uncaught errors at the start of a line, Ruby's "(NameError)" endings, Go and
// Rust panics, git's fatal, a killed or crashed process.
const CRASHED = anyLineMatches(
  [
    String.raw`^Traceback \(most recent call last\):`,
    String.raw`^(?:[A-Z]\w*(?:Error|Exception)|Error)(?:: |$)`,
    String.raw`^\S.*\((?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception)\)$`,
    String.raw`^Exception in thread `,
    String.raw`^panic: `,
    String.raw`^thread '[^']*' panicked at`,
    String.raw`^fatal: `,
    String.raw`^Segmentation fault`,
    String.raw`^Killed$`,
  ],
);

const MISSING_HINT = /[Nn]o such|cannot |not found|curl: \(/;
// Every rule below needs one of these words, or '✖' (OWN_REFUSAL and OWN_MISSING included); most outputs have
// none and are passed over in one scan. '✖' is looked for apart: as the regex's only one-character alternative it
// would stop irregexp from skipping ahead several characters at a time, which makes the scan ~1.5× slower.
const ANY_SIGNAL =
  /fail|Fail|FAIL|rror|ERROR|No such|no such|not found|cannot|denied|sudoers|sudo:|Traceback|xception|panic|fatal|Segmentation|Killed|not ok|reformatted|Code style|undefined|\.go:\d|\*\* \(|== Compilation|curl: \(/;

/** Judges a shell result that reported no failure (see the file comment); null when it looks fine. */
export function maskedFailure(result: ToolResult): MaskedOutcome {
  if (result.isError || !isShellResult(result)) return null;
  const text = edges(result.text);
  if (text === '') return null;
  // Every outcome below, a reader's own error lines included, needs one of these words.
  if (!text.includes('✖') && !ANY_SIGNAL.test(text)) return null;
  const command = isRecord(result.toolInput) ? asString(result.toolInput.command) : undefined;
  const reader = command !== undefined && onlyReads(command);
  if ((text.includes('sudo') || text.includes('ermission denied')) && OWN_REFUSAL.test(text)) return 'permission';
  if (MISSING_HINT.test(text) && OWN_MISSING.test(text)) return 'error';
  if (reader) return null;
  if (TESTS_FAILED(text)) return 'error';
  if (TESTS_PASSED(text)) return null;
  if (BUILD_FAILED(text) || CRASHED(text)) return 'error';
  return null;
}

function isShellResult(result: ToolResult): boolean {
  if (result.toolName !== null) return SHELL_TOOLS.has(result.toolName);
  return isRecord(result.detail) && 'stdout' in result.detail;
}

function edges(text: string): string {
  if (text.length <= EDGE_CHARS * 2) return text;
  return `${text.slice(0, EDGE_CHARS)}\n${text.slice(-EDGE_CHARS)}`;
}

// Splits a command line on pipes and command separators; quoting is ignored, which at worst makes
// a reader look like a runner (then the full rules apply, as for any command).
const SEGMENT_SPLIT = /\|\|?|&&|;|\n/;
const QUOTED = /'[^']*'|"(?:[^"\\]|\\.)*"/g;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** True when every segment of the command only prints data (see READER_PROGRAMS). */
export function onlyReads(command: string): boolean {
  const unquoted = command.replace(QUOTED, '""');
  for (const segment of unquoted.split(SEGMENT_SPLIT)) {
    const words = segment.trim().split(/\s+/).filter((w) => w !== '' && !ENV_ASSIGNMENT.test(w));
    if (words.length === 0) continue;
    const program = words[0].replace(/^.*\//, '');
    if (READER_PROGRAMS.has(program)) continue;
    const subcommands = READER_SUBCOMMANDS.get(program);
    if (subcommands && subcommands.has(subcommandOf(words, subcommands) ?? '')) continue;
    return false;
  }
  return true;
}

/**
 * The subcommand of `git log`, `git -C repo log` or `kubectl --context staging logs`: the first word that is
 * not a flag, passing over a word right after a flag (it may be that flag's value) unless it is a known one.
 */
function subcommandOf(words: string[], known: Set<string>): string | undefined {
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i];
    if (word.startsWith('-')) continue;
    if (known.has(word)) return word;
    const previous = words[i - 1];
    if (i > 1 && previous.startsWith('-') && !previous.includes('=')) continue;
    return word;
  }
  return undefined;
}
