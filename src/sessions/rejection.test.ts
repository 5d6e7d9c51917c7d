import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endsWithQuestion, rejectionReason } from './rejection.ts';

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
