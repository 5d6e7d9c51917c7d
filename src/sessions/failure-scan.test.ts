import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FINDING_TYPES, scanEvents, scanTranscriptFile, type Finding } from './failure-scan.ts';
import { evaluateFindings, formatScoreTable, MIN_SCORE } from './finding-eval.ts';
import { parseTranscript } from './transcript.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/transcripts/', import.meta.url));

// ---- tiny transcript builders ------------------------------------------------------------------

let clock = 0;
const ts = () => new Date(Date.UTC(2025, 0, 1, 9, 0, clock++)).toISOString();
const prompt = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'user', timestamp: ts(), message: { role: 'user', content: text }, ...extra });
const marker = (text: string) =>
  JSON.stringify({ type: 'user', timestamp: ts(), message: { role: 'user', content: [{ type: 'text', text }] } });
const say = (text: string) =>
  JSON.stringify({ type: 'assistant', timestamp: ts(), message: { role: 'assistant', content: [{ type: 'text', text }] } });
const call = (id: string, name: string, input: unknown) =>
  JSON.stringify({
    type: 'assistant',
    timestamp: ts(),
    message: { role: 'assistant', content: [{ type: 'tool_use', id, name, input }] },
  });
const result = (id: string, content: string, isError?: boolean, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'user',
    timestamp: ts(),
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, ...(isError === undefined ? {} : { is_error: isError }) }] },
    ...extra,
  });
const system = () => JSON.stringify({ type: 'system', subtype: 'turn_duration', timestamp: ts() });
/** Several tool_use blocks of one assistant message, one line each (as Claude Code 2.x writes them). */
const parallel = (messageId: string, ...calls: Array<[string, string, unknown]>) =>
  calls.map(([id, name, input]) =>
    JSON.stringify({ type: 'assistant', timestamp: ts(), message: { id: messageId, role: 'assistant', content: [{ type: 'tool_use', id, name, input }] } }),
  );
const hook = (toolUseID: string, hookEvent: string) =>
  JSON.stringify({ type: 'progress', timestamp: ts(), data: { type: 'hook_progress', hookEvent, hookName: `${hookEvent}:Bash` }, toolUseID, parentToolUseID: toolUseID });
const queued = (content: string) => JSON.stringify({ type: 'queue-operation', operation: 'enqueue', timestamp: ts(), content });

function scan(...lines: string[]): Finding[] {
  return scanEvents(parseTranscript(lines.join('\n')).events);
}
const brief = (findings: Finding[]) => findings.map((f) => [f.findingType, f.line]);

// ---- precision / recall on the labelled fixtures ------------------------------------------------

test(`every signal reaches precision and recall >= ${MIN_SCORE} on the development set`, async () => {
  // Only the development set: the held-out set is scored by `npm run eval:findings`, so that no
  // test failure ever invites tuning the detector to a held-out file.
  const reports = await evaluateFindings(join(FIXTURES, 'labels.json'));
  assert.deepEqual(
    reports.map((r) => r.set),
    ['development', 'held_out'],
  );
  const report = reports[0];
  const table = formatScoreTable(report);
  for (const score of report.scores) {
    assert.ok(score.truePositives + score.falseNegatives > 0, `no labelled ${score.findingType} examples`);
    assert.ok(score.precision >= MIN_SCORE, `${score.findingType} precision\n${table}`);
    assert.ok(score.recall >= MIN_SCORE, `${score.findingType} recall\n${table}`);
  }
  assert.deepEqual(
    report.scores.map((s) => s.findingType),
    [...FINDING_TYPES],
  );
});

// ---- tool_error -----------------------------------------------------------------------------------

test('tool_error: is_error result, reported at the result line with the call in the excerpt', () => {
  const findings = scan(prompt('run it'), call('b', 'Bash', { command: 'python etl.py' }), result('b', 'Exit code 1\nKeyError: region', true), say('It failed.'));
  assert.deepEqual(brief(findings), [['tool_error', 3]]);
  assert.equal(findings[0].severity, 'warning');
  assert.equal(findings[0].turnIndex, 0);
  assert.match(findings[0].excerpt, /^Bash\(python etl\.py\): Exit code 1 KeyError: region$/);
});

test('tool_error: a non-zero exit reported without is_error (BashOutput / TaskOutput)', () => {
  const findings = scan(
    prompt('check the jobs'),
    call('o', 'BashOutput', { bash_id: 'bash_1' }),
    result('o', '<status>failed</status>', undefined, { toolUseResult: { status: 'failed', exitCode: 2, stdout: '', stderr: 'x' } }),
    call('t', 'TaskOutput', { task_id: 'b7' }),
    result('t', '<status>completed</status>\n<exit_code>1</exit_code>'),
    call('z', 'TaskOutput', { task_id: 'b8' }),
    result('z', '<status>completed</status>\n<exit_code>0</exit_code>'),
    say('One job failed.'),
  );
  assert.deepEqual(brief(findings), [
    ['tool_error', 3],
    ['tool_error', 5],
  ]);
});

test('tool_error: benign non-zero exits and cancelled parallel siblings are not reported', () => {
  const findings = scan(
    prompt('look for TODOs'),
    call('g', 'Bash', { command: 'grep -r TODO src' }),
    result('g', '', false, { toolUseResult: { stdout: '', stderr: '', returnCodeInterpretation: 'No matches found' } }),
    call('a', 'Read', { file_path: '/a' }),
    call('b', 'Read', { file_path: '/b' }),
    result('a', '<tool_use_error>File does not exist.</tool_use_error>', true),
    result('b', '<tool_use_error>Sibling tool call errored</tool_use_error>', true),
    say('a is missing'),
  );
  assert.deepEqual(brief(findings), [['tool_error', 6]]);
});

test('tool_error: a failure hidden by | tail is reported; the same words in a cat of a log are not', () => {
  const findings = scan(
    prompt('run the tests'),
    call('t', 'Bash', { command: 'pytest -q 2>&1 | tail -2' }),
    result('t', 'FAILED tests/test_api.py::test_login - assert 401 == 200\n1 failed, 41 passed in 3.21s', false, { toolUseResult: { stdout: '', stderr: '', interrupted: false } }),
    call('c', 'Bash', { command: 'cat ci/last-run.log' }),
    result('c', 'FAILED tests/test_api.py::test_login\n1 failed, 41 passed in 3.21s', false, { toolUseResult: { stdout: '', stderr: '', interrupted: false } }),
    say('One test fails.'),
  );
  assert.deepEqual(brief(findings), [['tool_error', 3]]);
});

test('tool_error: "Cancelled: parallel tool call" is a cascade, and an interrupt after "Exit code 137" is no tool error', () => {
  const findings = scan(
    prompt('list both dirs'),
    ...parallel('m1', ['a', 'Bash', { command: 'ls /missing' }], ['b', 'Bash', { command: 'ls /tmp' }]),
    result('a', 'Exit code 2\nls: cannot access \'/missing\': No such file or directory', true),
    result('b', '<tool_use_error>Cancelled: parallel tool call Bash(ls /missing) errored</tool_use_error>', true),
    call('c', 'Bash', { command: 'sleep 600' }),
    result('c', 'Exit code 137\n[Request interrupted by user for tool use]', true),
    marker('[Request interrupted by user for tool use]'),
    prompt('thanks, that is enough'),
    say('OK.'),
  );
  assert.deepEqual(brief(findings), [['tool_error', 4]]);
});

// ---- permission_denied ---------------------------------------------------------------------------

test('permission_denied: refusals are reported once, never also as tool_error', () => {
  const findings = scan(
    prompt('clean up'),
    call('1', 'Bash', { command: 'rm -rf out' }),
    result('1', 'Permission to use Bash with command rm -rf out has been denied.', true),
    call('2', 'Bash', { command: 'psql -c "select 1 from sales"' }),
    result('2', 'Exit code 1\nERROR:  permission denied for table sales', true),
    call('3', 'Write', { file_path: '/etc/x' }),
    result('3', "The user doesn't want to proceed with this tool use. The tool use was rejected.", true),
    marker('[Request interrupted by user for tool use]'),
  );
  assert.deepEqual(brief(findings), [
    ['permission_denied', 3],
    ['permission_denied', 5],
    ['permission_denied', 7],
    ['abrupt_end', 8],
  ]);
});

test('permission_denied: a successful read of text that mentions "permission denied" is not a refusal', () => {
  const findings = scan(
    prompt('why did the export fail?'),
    call('r', 'Read', { file_path: '/logs/export.log' }),
    result('r', '     1→ERROR: permission denied for table sales\n     2→EACCES: permission denied', false),
    say('The log shows a permission problem on sales.'),
  );
  assert.deepEqual(findings, []);
});

test('permission_denied: a PreToolUse hook block, by its text or by a hook that ran for a call the tool never answered itself', () => {
  const findings = scan(
    prompt('commit and push'),
    call('c', 'Bash', { command: 'git commit -am wip' }),
    hook('c', 'PreToolUse'),
    result('c', 'Pre-commit validation failed:\n[FORMAT] Code is not formatted.', true),
    call('p', 'Bash', { command: 'git push --force' }),
    result('p', 'PreToolUse:Bash hook error: [guard.sh]: force pushes are blocked', true),
    call('t', 'Bash', { command: 'npm test' }),
    hook('t', 'PreToolUse'),
    hook('t', 'PostToolUseFailure'),
    result('t', 'Exit code 1\nTests: 1 failed, 9 passed, 10 total', true),
    say('Blocked twice; the tests fail.'),
  );
  assert.deepEqual(brief(findings), [
    ['permission_denied', 4],
    ['permission_denied', 6],
    ['tool_error', 10],
  ]);
});

test('permission_denied: sudo wanting a password; EROFS stays a tool_error', () => {
  const findings = scan(
    prompt('install jq'),
    call('s', 'Bash', { command: 'sudo apt-get install -y jq' }),
    result('s', 'Exit code 1\nsudo: a terminal is required to read the password\nsudo: a password is required', true),
    call('t', 'Bash', { command: 'touch /usr/share/x' }),
    result('t', "Exit code 1\ntouch: cannot touch '/usr/share/x': Read-only file system", true),
    say('Neither worked.'),
  );
  assert.deepEqual(brief(findings), [
    ['permission_denied', 3],
    ['tool_error', 5],
  ]);
});

test('permission_denied: an ExitPlanMode rejection followed by "Implement the following plan" is an approval', () => {
  const reject = "The user doesn't want to proceed with this tool use. The tool use was rejected.";
  const findings = scan(
    prompt('plan the migration'),
    call('p1', 'ExitPlanMode', { plan: '1. add column' }),
    result('p1', reject, true),
    prompt('Implement the following plan:\n\n1. add column'),
    say('Adding the column.'),
    call('p2', 'ExitPlanMode', { plan: '2. drop old column' }),
    result('p2', reject, true),
    prompt('keep the old column for a week'),
    say('OK.'),
  );
  // The refused plan is the refusal; the prompt after it redirects the work, as any correction does.
  assert.deepEqual(brief(findings), [
    ['permission_denied', 7],
    ['user_rejection', 8],
  ]);
});

// ---- user_rejection --------------------------------------------------------------------------------

test('user_rejection: a typed rejection after the assistant acted', () => {
  const findings = scan(prompt('rebuild the table'), call('b', 'Bash', { command: 'make table' }), result('b', 'done', false), prompt("no, that's wrong - use all regions"), say('Redoing.'));
  assert.deepEqual(brief(findings), [['user_rejection', 4]]);
  assert.equal(findings[0].severity, 'warning');
  assert.equal(findings[0].turnIndex, 1);
});

test('user_rejection: "no" answering a question, and "stop" in a first prompt, are not rejections', () => {
  const findings = scan(
    prompt('Read the README, then stop.'),
    say('It says hello. Should I also read CONTRIBUTING?'),
    prompt('no'),
    say('OK.'),
    prompt("don't forget to push"),
    say('Pushed.'),
  );
  assert.deepEqual(findings, []);
});

test('user_rejection: text nobody typed (hook feedback, meta, commands, tool output, subagent prompts) never counts', () => {
  const findings = scan(
    prompt('tidy up'),
    say('Done.'),
    prompt("Stop hook feedback:\nno, that's wrong, don't stop", { isMeta: true }),
    prompt("<system-reminder>Don't do that.</system-reminder>", { isMeta: true }),
    prompt("<command-name>/compact</command-name>\n<command-args>no, that's wrong</command-args>"),
    prompt("Don't modify files. Stop after listing.", { isSidechain: true, agentId: 'x' }),
    call('r', 'Read', { file_path: '/notes' }),
    result('r', "no, that's wrong - stop", false),
    say('Done again.'),
  );
  assert.deepEqual(findings, []);
});

test('user_rejection: an interrupt counts only with a correction after it, and never after a refusal', () => {
  const findings = scan(
    prompt('recompute'),
    marker('[Request interrupted by user]'), // before any reply: nothing to reject
    prompt('recompute with 2024 data'),
    call('b', 'Bash', { command: 'python c.py' }),
    result('b', 'The user doesn\'t want to proceed with this tool use.', true),
    marker('[Request interrupted by user for tool use]'), // same refusal as line 5
    prompt('ok go ahead'),
    call('c', 'Bash', { command: 'python c.py' }),
    result('c', 'running', false),
    marker('[Request interrupted by user]'), // followed by thanks: no correction
    prompt('thanks'),
    say('Sure.'),
    prompt('rebuild the cohort table'),
    call('d', 'Bash', { command: 'python cohorts.py --all' }),
    result('d', '[Request interrupted by user for tool use]', true),
    marker('[Request interrupted by user for tool use]'),
    prompt('use the staging database for that'),
    say('Switching to staging.'),
  );
  assert.deepEqual(brief(findings), [
    ['permission_denied', 5],
    ['user_rejection', 16],
    ['user_rejection', 17],
  ]);
  assert.deepEqual(
    findings.map((f) => f.severity),
    ['warning', 'info', 'warning'],
  );
});

test('user_rejection: a correction queued while the assistant works, then the interrupt, marks both lines', () => {
  const findings = scan(
    prompt('fetch the orders'),
    call('c', 'Bash', { command: 'curl -s https://api.test/v1/orders > orders.json' }),
    queued('wait, use the v2 endpoint, not v1'),
    result('c', '', false),
    marker('[Request interrupted by user]'),
    call('d', 'Bash', { command: 'curl -s https://api.test/v2/orders > orders.json' }),
    result('d', '', false),
    say('Saved v2.'),
  );
  assert.deepEqual(brief(findings), [
    ['user_rejection', 3],
    ['user_rejection', 5],
  ]);
});

test('user_rejection: a reply contradicting what the assistant just claimed', () => {
  const findings = scan(
    prompt('change the dashboard owner to Ana'),
    say("The API doesn't allow changing the owner, so this has to be done by hand."),
    prompt('I was able to do it through the UI'),
    say('Good to know.'),
    prompt('thanks, that works'),
    say('Great.'),
  );
  assert.deepEqual(brief(findings), [['user_rejection', 3]]);
});

// ---- loop -------------------------------------------------------------------------------------------

test('loop: three identical reads give one finding at the first call', () => {
  const lines = [prompt('summarize report.csv')];
  for (const id of ['1', '2', '3']) lines.push(call(id, 'Read', { file_path: '/r.csv' }), result(id, 'data', false));
  lines.push(say('done'));
  const findings = scan(...lines);
  assert.deepEqual(brief(findings), [['loop', 2]]);
  assert.equal(findings[0].severity, 'warning');
  assert.equal(findings[0].excerpt, '3× Read(/r.csv)');
});

test('loop: two identical calls are not a loop; a human prompt between calls breaks the run', () => {
  const findings = scan(
    prompt('run'),
    call('1', 'Bash', { command: 'python etl.py' }),
    result('1', 'x', false),
    call('2', 'Bash', { command: 'python etl.py' }),
    result('2', 'x', false),
    prompt('try again'),
    call('3', 'Bash', { command: 'python etl.py' }),
    result('3', 'x', false),
    say('ok'),
  );
  assert.deepEqual(findings, []);
});

test('loop: whitespace, standalone numbers and descriptions are normalized; targets must match exactly', () => {
  const polls = [5, 10, 30, 60, 90].map((s, i) => [
    call(`p${i}`, 'Bash', { command: `sleep ${s}  &&  tail -n 5 job.log`, description: `wait ${i}` }),
    result(`p${i}`, 'running', false),
  ]);
  const parts = [1, 2, 3].map((i) => [call(`f${i}`, 'Read', { file_path: `/data/part-${i}.csv` }), result(`f${i}`, 'x', false)]);
  const tasks = [4, 5, 6].map((i) => [call(`t${i}`, 'Bash', { command: `bd show proj-4te.${i}` }), result(`t${i}`, 'x', false)]);
  const findings = scan(prompt('wait for the job'), ...polls.flat(), ...parts.flat(), ...tasks.flat(), say('done'));
  assert.deepEqual(brief(findings), [['loop', 2]]);
  assert.equal(findings[0].severity, 'error'); // five calls
});

test('loop: near-identical calls issued together in one message are one step, not a loop', () => {
  const read = (id: string) => [id, 'Read', { file_path: '/r.csv' }] as [string, string, unknown];
  const findings = scan(
    prompt('summarize'),
    ...parallel('m1', read('1'), read('2'), read('3')),
    result('1', 'data', false),
    result('2', 'data', false),
    result('3', 'data', false),
    ...parallel('m2', read('4')),
    result('4', 'data', false),
    say('done'),
  );
  assert.deepEqual(findings, []);
});

test('loop: the same command polled with a growing tail window is a loop at its first call', () => {
  const lines = [prompt('why does it hang?')];
  for (const [i, n] of [20, 50, 100].entries()) lines.push(call(`t${i}`, 'Bash', { command: `npm test 2>&1 | tail -${n}` }), result(`t${i}`, 'RUNS test/orders.test.ts', false));
  lines.push(say('It hangs in orders.test.ts.'));
  assert.deepEqual(brief(scan(...lines)), [['loop', 2]]);
});

// ---- abrupt_end -----------------------------------------------------------------------------------

test('abrupt_end: last message line is an unanswered user line; trailing system lines do not count', () => {
  const findings = scan(prompt('load data'), say('Loaded.'), prompt('now join them'), system(), system());
  assert.deepEqual(brief(findings), [['abrupt_end', 3]]);
  assert.equal(findings[0].excerpt, 'now join them');
});

test('abrupt_end: a session ending on the assistant, or on a local /exit command, is not abrupt', () => {
  assert.deepEqual(scan(prompt('hi'), say('hello')), []);
  const exit = scan(
    prompt('hi'),
    say('hello'),
    prompt('<local-command-caveat>Caveat: The messages below were generated by the user while running local commands.</local-command-caveat>', { isMeta: true }),
    prompt('<command-name>/exit</command-name>'),
    prompt('<local-command-stdout>Goodbye!</local-command-stdout>'),
  );
  assert.deepEqual(exit, []);
});

// ---- lines, stats, excerpts -------------------------------------------------------------------------

test('findings carry physical line numbers: blank and malformed lines are counted', async () => {
  const { findings, stats } = await scanTranscriptFile(join(FIXTURES, 'cases/malformed-lines.jsonl'));
  assert.deepEqual(brief(findings), [
    ['tool_error', 8],
    ['user_rejection', 10],
  ]);
  assert.deepEqual(
    { lines: stats.lines, parsed: stats.parsed, malformed: stats.malformed, oversized: stats.oversized, blank: stats.blank },
    { lines: 11, parsed: 6, malformed: 3, oversized: 0, blank: 2 },
  );
});

test('excerpts are whitespace-collapsed and capped at 300 characters', () => {
  const noisy = `Exit code 1\n\n\t${'very   long\noutput '.repeat(200)}`;
  const [finding] = scan(prompt('go'), call('b', 'Bash', { command: 'make' }), result('b', noisy, true), say('failed'));
  assert.ok(finding.excerpt.length <= 300);
  assert.doesNotMatch(finding.excerpt, /\s\s|\n|\t/);
});

// ---- bounded memory --------------------------------------------------------------------------------

test('a 50 MB single line among many normal lines is skipped with bounded memory', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const dir = await mkdtemp(join(tmpdir(), 'agnes-big-'));
  try {
    const path = join(dir, 'huge.jsonl');
    const out = createWriteStream(path);
    const normal = (i: number) => `${say(`step ${i}`)}\n`;
    for (let i = 0; i < 20_000; i += 1) out.write(normal(i)); // lines 1..20000
    out.write('{"type":"user","message":{"role":"user","content":"'); // line 20001: 50 MB
    const mb = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 50; i += 1) out.write(mb);
    out.write('"}}\n');
    for (let i = 0; i < 20_000; i += 1) out.write(normal(i)); // lines 20002..40001
    out.write(`${prompt('go')}\n${call('b', 'Bash', { command: 'make' })}\n${result('b', 'Exit code 2', true)}\n${say('failed')}\n`);
    out.end();
    await finished(out);

    gc();
    const baseline = process.memoryUsage();
    let peak = 0;
    const sample = () => {
      gc();
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed - baseline.heapUsed + (m.arrayBuffers - baseline.arrayBuffers));
    };
    const timer = setInterval(sample, 25);
    const { findings, stats } = await scanTranscriptFile(path);
    clearInterval(timer);
    sample();

    assert.equal(stats.oversized, 1);
    assert.equal(stats.lines, 40_005);
    assert.equal(stats.parsed, 40_004);
    assert.deepEqual(brief(findings), [['tool_error', 40_004]]);
    // Holding the 50 MB line would cost at least 50 MB; the reader keeps at most the 8 MiB cap.
    assert.ok(peak < 30 * 1024 * 1024, `peak live memory ${(peak / 1048576).toFixed(1)} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
