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

// ---- v2: re-run decorations are ignored; real differences are kept -----------------------------------

const bashSig = (command: string) => callSignature('Bash', { command });
const same = (a: string, b: string) => nearIdentical(bashSig(a), bashSig(b));

test('near-identical: another tail/head window, timeout, sleep prefix or stdin answer is the same command', () => {
  assert.ok(same('npm test 2>&1 | tail -20', 'npm test 2>&1 | tail -100'));
  assert.ok(same('kubectl get pods -n api | head -5', 'kubectl get pods -n api'));
  assert.ok(same('timeout 60 npx jest test/orders.test.ts', 'timeout 300 npx jest test/orders.test.ts --detectOpenHandles'));
  assert.ok(same('curl -s localhost:3000/health', 'sleep 10 && curl -s localhost:3000/health'));
  assert.ok(same('npx create-next-app@latest todo-app --app', 'echo -e "\\n\\nn" | npx create-next-app@latest todo-app --app --src-dir'));
  assert.ok(same('printf "y\\n" | ./scripts/reset-db.sh', 'yes | ./scripts/reset-db.sh'));
});

test('near-identical: other files, revisions or arguments are different commands', () => {
  assert.ok(!same('pytest tests/test_a.py', 'pytest tests/test_b.py'));
  assert.ok(!same('git show HEAD~1 --stat', 'git show HEAD~2 --stat'));
  assert.ok(!same('npm test -- --grep cart', 'npm test -- --grep user'));
  assert.ok(!same('git log --oneline -5', 'git log --stat --format=short --reverse'));
});

test('near-identical: a search pattern with \\( added is the same search; another word is not', () => {
  const grep = (pattern: string) => callSignature('Grep', { pattern, path: 'src', output_mode: 'content' });
  assert.ok(nearIdentical(grep('listen('), grep('listen\\(')));
  assert.ok(nearIdentical(grep('listen\\('), grep('\\.listen\\(')));
  assert.ok(!nearIdentical(grep('listen('), grep('connect(')));
  assert.ok(!nearIdentical(grep('foo'), grep('bar')));
});
