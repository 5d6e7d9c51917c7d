import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsAbsence, endsWithQuestion, rejectionReason, TurnWords } from './rejection.ts';

const rejects = [
  'no',
  'No!',
  "no, that's wrong",
  'nope, not that file - the one in /data/archive',
  'stop',
  'STOP! I only asked what is in it.',
  'please stop doing that',
  "don't do that",
  'Do not touch the prod schema',
  "that's not what I asked",
  'This is wrong, revenue excludes tax',
  'wrong table',
  'you used the wrong date column',
  'the totals are off by 100x',
  'why did you delete the view?',
  'I said monthly, not weekly',
  'undo that',
  'please revert the last change',
  'wait, don’t run that on production',
  'hold on',
  'Hmm, that doesn’t look right.',
  'Actually, use orders_v2 instead',
  'not quite - exclude refunds',
];
const accepts = [
  'Stop the old dashboard job, then rebuild the table.',
  'no worries, thanks',
  "No thanks, that's all.",
  'No need to add tests',
  "don't forget to push",
  'did you push?',
  'Why is the chart empty?',
  'What went wrong with the export?',
  'Can you explain why you chose a left join?',
  'Now add a column for refunds',
  'looks good!',
  'Node 20 please',
  'nothing else, thanks',
  `no, that's wrong ${'x'.repeat(1200)}`, // long pasted material, not a quick push-back
];

test('rejections and corrections are recognised', () => {
  for (const text of rejects) assert.ok(rejectionReason(text, { afterQuestion: false }), text);
});

test('ordinary requests, thanks and questions are not rejections', () => {
  for (const text of accepts) assert.equal(rejectionReason(text, { afterQuestion: false }), null, text);
});

test('after a question a bare or elaborated "no" is an answer; an explicit correction still counts', () => {
  assert.equal(rejectionReason('no', { afterQuestion: true }), null);
  assert.equal(rejectionReason('nope, use the sales table', { afterQuestion: true }), null);
  assert.ok(rejectionReason("no, that's not what I asked", { afterQuestion: true }));
});

test('endsWithQuestion looks at the closing words only', () => {
  assert.equal(endsWithQuestion('Done. Should I also drop the staging table?'), true);
  assert.equal(endsWithQuestion(`Is this right? ${'More detail. '.repeat(30)}Done.`), false);
});

// ---- v2 rules: each with a real-shaped correction and a near miss ----------------------------------

const turn = (words: string) => {
  const w = new TurnWords();
  w.add(words);
  return { afterQuestion: false, relatesToTurn: (text: string) => w.overlaps(text) };
};

test('redirects: "not X, Y", "X rather than Y", "use X, not Y"; "not sure" and "rather" alone are not', () => {
  for (const text of [
    'not as a comment, but as a document attached to the issue',
    'not in src/, put it under scripts/',
    'please attach it as a markdown file rather than a comment',
    'Instead of mocking the DB, use the test container',
    'use pnpm, not npm',
    'it should be in UTC, not local time',
  ]) {
    assert.ok(rejectionReason(text, { afterQuestion: false }), text);
  }
  for (const text of ['not sure yet, let me think', 'I would rather you explain it first', 'use the same format for the Q4 report']) {
    assert.equal(rejectionReason(text, { afterQuestion: false }), null, text);
  }
});

test('contradicting a claim: "it does work", "I was able to…through the UI", "the code is right"; "it works now" is approval', () => {
  for (const text of [
    'I was able to do it through the UI',
    'it does work, I just changed the owner from the admin settings page myself',
    'fix the test, the code is right',
    'I already ran the migration this morning',
  ]) {
    assert.ok(rejectionReason(text, { afterQuestion: false }), text);
  }
  for (const text of ['It works now, thanks!', 'I just pushed a fix for the other bug, please rebase', 'please test it manually in the browser']) {
    assert.equal(rejectionReason(text, { afterQuestion: false }), null, text);
  }
});

test('"it still fails" is a rejection only about something the assistant touched in this turn', () => {
  const ctx = turn('All tests pass now. Bash(pnpm test)');
  assert.ok(rejectionReason('they still fail on my machine, the date tests', ctx));
  assert.equal(rejectionReason('scrolling in xterm.js still does not work, can you research it?', ctx), null);
});

test('"you forgot…", "it should be…", "yes revert it" and "no, that\'s all"', () => {
  assert.ok(rejectionReason('you forgot to update the migration', { afterQuestion: false }));
  assert.ok(rejectionReason('it should use the existing helper in utils.ts', { afterQuestion: false }));
  assert.equal(rejectionReason('yes revert it', { afterQuestion: false }), null);
  assert.equal(rejectionReason("no, that's all for today", { afterQuestion: false }), null);
});

test('after an interrupt, an instruction about the interrupted work is a correction; "continue" and a new question are not', () => {
  const ctx = { ...turn('Proposed beads: epic Setup code quality tools'), afterInterrupt: true };
  assert.ok(rejectionReason('create the beads', ctx));
  assert.ok(rejectionReason('use the staging database for that', ctx));
  assert.equal(rejectionReason('sorry, hit escape by accident - continue', ctx), null);
  assert.equal(rejectionReason("what's the env var for the weather API key?", ctx), null);
  assert.equal(rejectionReason('check the logs from yesterday', ctx), null);
  assert.equal(rejectionReason('create the beads', { ...ctx, afterInterrupt: false }), null);
});

test('after a question, openers and redirects are answers', () => {
  assert.equal(rejectionReason("don't, leave the README alone", { afterQuestion: true }), null);
  assert.equal(rejectionReason('use pnpm, not npm', { afterQuestion: true }), null);
  assert.equal(rejectionReason("don't, leave the README alone", { afterQuestion: false }), "don't");
});

test('"wait, …" stops the assistant to say something else; "wait, what does that do?" is a question', () => {
  assert.equal(rejectionReason('wait, the v1 endpoint is deprecated - use /v2/orders', { afterQuestion: false }), 'stop');
  assert.equal(rejectionReason('wait, what does that flag do?', { afterQuestion: false }), null);
});

test('verdicts on the work, undo phrases, "you did X, repair it", "already have", alarm and "I don\'t see it"', () => {
  const ctx = turn("I've updated the docs and added retry logic with exponential backoff.");
  for (const text of [
    "that's overkill, one retry is enough",
    "that's the old API, we moved to v3 last month",
    "it's used by the nightly cron job, put it back",
    'you committed the .env file, remove it from the commit',
    'we already have a helper for this in utils/dates.py',
    'whoa, that was the production database!',
    "where? I don't see any change in docs/",
  ]) {
    assert.ok(rejectionReason(text, ctx), text);
  }
  for (const text of [
    'this is a big file, take your time',
    'you did great, now add the README section',
    'we already talked about this, go ahead',
    'whoa, that was fast! thanks',
    "I don't see why not, go ahead",
    'put the config in config/app.yaml',
  ]) {
    assert.equal(rejectionReason(text, ctx), null, text);
  }
});

test('after the assistant said something is missing, "there are some in …" contradicts it', () => {
  const denied = { afterQuestion: false, afterNegativeClaim: true };
  assert.ok(rejectionReason('there are some in lib/legacy, check again', denied));
  assert.equal(rejectionReason('there are some docs in lib/legacy you could read', { afterQuestion: false }), null);
  assert.equal(claimsAbsence("I couldn't find any usages of parseDate."), true);
  assert.equal(claimsAbsence('Found two usages of parseDate in lib/legacy.'), false);
});

test('a negation or contrast aimed at the last step is a rejection; reassurance, questions and new requests are not', () => {
  const ctx = turn("I've deployed the change to staging. The bug is in the parser, so I installed babel.");
  for (const text of [
    "we can't add new dependencies, do it with the stdlib",
    "staging hasn't changed, the version page still says 1.4.2",
    'the parser is fine, the problem is in the tokenizer',
    "I don't think that's right - the cache is per-process",
    "those numbers can't be right, we had 3x more orders in May",
    'careful, that script sends emails to customers',
    'only format the lines you changed, the diff is unreadable now',
    'this query will lock the table for minutes, do it in batches',
  ]) {
    assert.ok(rejectionReason(text, ctx), text);
  }
  for (const text of [
    "it doesn't matter, go ahead",
    "that's not a problem, thanks",
    "why isn't the parser tested?",
    "now let's do the same without the cache",
    "don't forget the migration for the new column",
    "nothing else for today",
    'scrolling in xterm.js still does not work, can you research it?',
  ]) {
    assert.equal(rejectionReason(text, ctx), null, text);
  }
});

test('"too high", "they belong in …", "keep this out of …", "no need to …" after Esc; an explaining question is not', () => {
  const ctx = turn('I dropped the rows with negative quantities as outliers and pushed to main. Central is included.');
  for (const text of [
    'hmm, the central numbers look way too high',
    'those are returns, they belong in the data',
    'please keep this out of main until Sam has reviewed it',
  ]) {
    assert.ok(rejectionReason(text, ctx), text);
  }
  assert.ok(rejectionReason('no need to retrain everything, the models are fine', { ...ctx, afterInterrupt: true }));
  assert.equal(rejectionReason('No need to add tests for this one.', ctx), null);
  assert.equal(rejectionReason("it isn't clear to me how the band is computed, can you explain?", ctx), null);
  assert.equal(rejectionReason('keep going', ctx), null);
});

test('statements about the work: how it is or has to be, what the step does, that it fails; praise and plain facts are not', () => {
  const aboutExports = { afterQuestion: false, relatesToTurn: (t: string) => /export|csv|endpoint|snapshot|signup/.test(t) };
  for (const text of [
    'the other exports live under /exports/, so /exports/contacts.csv please',
    'snapshot tests are banned in this repo, assert on the header and row count',
    'a new endpoint is a minor bump, 1.8.0',
    "that's missing the semicolon change",
    'that rejects half of the users',
    'signup gives me a 500 on staging',
  ]) {
    assert.ok(rejectionReason(text, aboutExports), text);
  }
  for (const text of [
    'the export looks great',
    "that's exactly what I needed",
    'that will do',
    'the weather is nice today', // a statement, but not about anything the assistant touched
    'it works now, thanks',
  ]) {
    assert.equal(rejectionReason(text, aboutExports), null, text);
  }
});

test('a statement about earlier work counts through relatesToRecentWork; the turn alone would miss it', () => {
  const text = 'the CSV should use semicolons as separator, our customers are in Germany';
  const turnOnly = { afterQuestion: false, relatesToTurn: (t: string) => t.includes('formatphone') };
  assert.equal(rejectionReason(text, turnOnly), null);
  assert.ok(rejectionReason(text, { ...turnOnly, relatesToRecentWork: (t: string) => t.includes('csv') }));
});

test('challenges, expectations, team habits, restrictions and "X please" about the work', () => {
  const ctx = { afterQuestion: false, relatesToTurn: (t: string) => /chart|version|rate|lint|commit/.test(t) };
  for (const text of [
    'where is 3.0.0 coming from? versions are bumped at release time',
    'a pie chart for a time series?',
    'I wanted a bar chart',
    'I thought we agreed to keep the version',
    'we book everything at the monthly average rate',
    'lint the changed files only',
    'line chart please',
  ]) {
    assert.ok(rejectionReason(text, ctx), text);
  }
  for (const text of [
    'where do the exchange rates come from?', // a question about facts, not a challenge
    'what chart would you use for this?',
    'we can add a chart later',
    'commit it please', // an instruction to go on, not another version of the work
    'Node 20 please', // names something, but nothing the assistant made
  ]) {
    assert.equal(rejectionReason(text, ctx), null, text);
  }
});

test('"step 2, please" after the assistant finished a step asks for the next one; "line chart please" after a pie chart names another version', () => {
  const ctx = turn('Done with that step. The pie chart of the page views is in report.html.');
  for (const text of ['step 2, please', 'Step 3 please.', 'page 2 please', 'the next chart please', 'the remaining views please']) {
    assert.equal(rejectionReason(text, ctx), null, text);
  }
  for (const text of ['line chart please', 'page views per week, please']) assert.ok(rejectionReason(text, ctx), text);
});

test('TurnWords.overlapsRecent remembers a few earlier turns and forgets older ones', () => {
  const words = new TurnWords();
  words.add('Added GET /contacts.csv in api/export.js');
  words.endTurn();
  assert.equal(words.overlaps('the csv'), false);
  assert.equal(words.overlapsRecent('the csv'), true);
  for (let i = 0; i < 8; i += 1) {
    words.add(`restored helper${i}`);
    words.endTurn();
  }
  assert.equal(words.overlapsRecent('the csv'), false);
});
