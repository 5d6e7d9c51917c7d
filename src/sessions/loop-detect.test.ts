import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withinEditDistance } from './edit-distance.ts';
import { callSignature, nearIdentical } from './loop-detect.ts';

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const cur = [i];
    for (let j = 1; j <= b.length; j += 1) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

test('banded edit distance agrees with the full dynamic programme', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = () => Array.from({ length: rand(14) }, () => 'abc'[rand(3)]).join('');
  for (let i = 0; i < 3000; i += 1) {
    const [a, b, k] = [word(), word(), rand(6)];
    assert.equal(withinEditDistance(a, b, k), levenshtein(a, b) <= k, `${a} ${b} ${k}`);
  }
});

test('near-identical: cosmetic fields, whitespace and standalone numbers are ignored', () => {
  const a = callSignature('Bash', { command: 'sleep 5 && tail -n 20 job.log', description: 'wait', timeout: 1000 });
  const b = callSignature('Bash', { command: 'sleep  30 &&\ntail -n 50 job.log', description: 'wait more' });
  assert.ok(nearIdentical(a, b));
});

test('near-identical: identifiers with digits, file targets and other tools differ', () => {
  const show = (n: number) => callSignature('Bash', { command: `bd show proj-4te.${n}` });
  assert.ok(!nearIdentical(show(4), show(5)));
  const read = (p: string) => callSignature('Read', { file_path: p });
  assert.ok(!nearIdentical(read('/data/part-1.csv'), read('/data/part-2.csv')));
  assert.ok(!nearIdentical(callSignature('Read', { file_path: '/a' }), callSignature('Glob', { file_path: '/a' })));
  const page = (offset: number) => callSignature('Read', { file_path: '/big.csv', offset, limit: 200 });
  assert.ok(!nearIdentical(page(1), page(201)));
});

test('near-identical: a small edit inside a long input still matches', () => {
  const sql = 'select region, sum(amount) from orders where status = \'paid\' group by region order by 2 desc';
  const a = callSignature('Bash', { command: `psql analytics -c "${sql}"` });
  const b = callSignature('Bash', { command: `psql analytics -c "${sql};"` });
  assert.ok(nearIdentical(a, b));
});
