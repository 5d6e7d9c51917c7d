import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskedFailure, onlyReads } from './masked-failure.ts';
import type { ToolResult } from './transcript-event.ts';

/** A Bash result that Claude Code reported as a success (exit 0, no is_error). */
function bash(command: string, output: string): ToolResult {
  return {
    toolUseId: 't',
    toolName: 'Bash',
    toolInput: { command },
    isError: false,
    text: output,
    detail: { stdout: output, stderr: '', interrupted: false, isImage: false },
  };
}

// Each rule: a real-shaped output whose exit code was hidden, and a near miss that must stay clean.
const cases: Array<{ rule: string; failed: [string, string]; clean: [string, string] }> = [
  {
    rule: 'pytest summary',
    failed: ['pytest -q 2>&1 | tail -3', 'FAILED tests/test_api.py::test_login - assert 401 == 200\n========= 1 failed, 41 passed in 3.21s ========='],
    clean: ['pytest -q 2>&1 | tail -3', '========= 42 passed, 1 warning in 3.02s ========='],
  },
  {
    rule: 'jest summary, console.error in a passing run',
    failed: ['npx jest 2>&1 | tail -4', 'Test Suites: 1 failed, 3 passed, 4 total\nTests:       2 failed, 18 passed, 20 total'],
    clean: ['npx jest 2>&1 | tail -6', '  console.error\n    Error: network down (mocked)\n\nTest Suites: 2 passed, 2 total\nTests:       11 passed, 11 total'],
  },
  {
    rule: 'vitest summary',
    failed: ['npx vitest run | tail -3', ' Test Files  1 failed | 2 passed (3)\n      Tests  3 failed | 20 passed (23)'],
    clean: ['npx vitest run | tail -3', ' Test Files  3 passed (3)\n      Tests  23 passed (23)'],
  },
  {
    rule: 'go test',
    failed: ['go test ./... ; echo done', '--- FAIL: TestParse (0.00s)\nFAIL\nFAIL\texample.com/sku\t0.009s\ndone'],
    clean: ['go test ./... ; echo done', 'ok  \texample.com/sku\t0.011s\ndone'],
  },
  {
    rule: 'cargo test',
    failed: ['cargo test 2>&1 | tail -2', 'test result: FAILED. 11 passed; 1 failed; 0 ignored'],
    clean: ['cargo test 2>&1 | tail -2', 'test result: ok. 12 passed; 0 failed; 0 ignored'],
  },
  {
    rule: 'ExUnit / RSpec counts',
    failed: ['mix test 2>&1 | tail -2', 'Finished in 1.9 seconds\n14 doctests, 297 tests, 11 failures'],
    clean: ['mix test 2>&1 | tail -2', 'Finished in 2.2 seconds\n14 doctests, 297 tests, 0 failures'],
  },
  {
    rule: 'TypeScript diagnostics',
    failed: ['npx tsc --noEmit || true', "src/app.ts(12,7): error TS2322: Type 'string' is not assignable to type 'number'."],
    clean: ['npx tsc --noEmit || true', ''],
  },
  {
    rule: 'rustc diagnostics',
    failed: ['cargo build 2>&1 | tail -3', 'error[E0308]: mismatched types\n --> src/main.rs:4:18\nerror: could not compile `demo`'],
    clean: ['cargo build 2>&1 | tail -3', 'warning: unused variable: `x`\n    Finished `dev` profile in 0.4s'],
  },
  {
    rule: 'Python traceback',
    failed: ['python load.py 2>&1 | tail -4', 'Traceback (most recent call last):\n  File "load.py", line 27, in <module>\nKeyError: \'region\''],
    clean: ['python load.py 2>&1 | tail -2', 'rows: 1204\nerrors: 0'],
  },
  {
    rule: 'eslint totals',
    failed: ['npm run lint 2>&1 | tail -3', "  12:7  error  'x' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (1 error, 0 warnings)"],
    clean: ['npm run lint 2>&1 | tail -3', "  12:7  warning  'x' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (0 errors, 1 warning)"],
  },
  {
    rule: 'make / build tools',
    failed: ['make 2>&1 | tail -2', "main.c:5:3: error: expected ';' before 'return'\nmake: *** [Makefile:20: main.o] Error 1"],
    clean: ['make 2>&1 | tail -1', 'make: Nothing to be done for `all`.'],
  },
  {
    rule: 'a missing path from find/ls/cat',
    failed: ['find src/legacy -name "*.py" | wc -l', "find: 'src/legacy': No such file or directory\n0"],
    clean: ['find src -name "*.orig" | wc -l', '0'],
  },
];

for (const { rule, failed, clean } of cases) {
  test(`masked failure: ${rule}`, () => {
    assert.equal(maskedFailure(bash(...failed)), 'error', failed[1]);
    assert.equal(maskedFailure(bash(...clean)), null, clean[1]);
  });
}

test('masked failure: sudo refusals behind `; echo` are permission_denied, other text mentioning sudo is not', () => {
  assert.equal(maskedFailure(bash('sudo -n true 2>&1; echo $?', 'sudo: a password is required\n1')), 'permission');
  assert.equal(maskedFailure(bash('grep -c sudo setup.md', '3')), null);
});

test('masked failure: commands that only print data are judged only by their own errors', () => {
  const log = 'FAILED tests/test_cart.py::test_total - AssertionError\nTraceback (most recent call last):\nKeyError: x\nTests: 1 failed, 3 passed';
  assert.equal(maskedFailure(bash('cat reports/test-output.txt', log)), null);
  assert.equal(maskedFailure(bash('tail -20 logs/app.log | grep -v DEBUG', log)), null);
  assert.equal(maskedFailure(bash('grep -rn "FAILED\\|Traceback" ci/*.log | head', 'ci/a.log:3:FAILED x\nci/b.log:12:No such file or directory: y')), null);
  assert.equal(maskedFailure(bash('git log --oneline -3', '9f1c2aa fix: handle FileNotFoundError\n0c9e771 test: failing case')), null);
  assert.equal(maskedFailure(bash('cat config/prod.yaml 2>&1 | head', 'cat: config/prod.yaml: No such file or directory')), 'error');
});

test('masked failure: Read, Grep and failed results are never re-judged', () => {
  const read: ToolResult = { ...bash('', 'Traceback (most recent call last):'), toolName: 'Read', toolInput: { file_path: '/a.log' }, detail: {} };
  assert.equal(maskedFailure(read), null);
  assert.equal(maskedFailure({ ...bash('pytest', '1 failed in 0.2s'), isError: true }), null);
});

test('onlyReads: every segment must only print data; quoted pipes do not split', () => {
  assert.equal(onlyReads('cd web && git diff --stat | tail -5'), true);
  assert.equal(onlyReads('grep -rn "a\\|b" src | head'), true);
  assert.equal(onlyReads('cd web && npx jest | tail -5'), false);
  assert.equal(onlyReads('FOO=1 python run.py'), false);
});

test('onlyReads: a subcommand after a flag and its value (`kubectl --context x logs`) is still a read; a value that is not one is not', () => {
  assert.equal(onlyReads('kubectl --context staging logs deploy/web --tail 20'), true);
  assert.equal(onlyReads('git -C ../api log --oneline'), true);
  assert.equal(onlyReads('git --no-pager diff'), true);
  // The word after the flag is the subcommand here, and applying manifests is no read.
  assert.equal(onlyReads('kubectl --context staging apply -f k8s/'), false);
  assert.equal(onlyReads('git -C ../api commit -m ""'), false);
  const logs = bash('kubectl --context staging logs deploy/web --tail 20', 'Error: SMTP_HOST is not set');
  assert.equal(maskedFailure(logs), null);
  assert.equal(maskedFailure(bash('kubectl --context staging rollout status deploy/web', 'Error: deployment "web" exceeded its progress deadline')), 'error');
});

test('masked failure: other runners and build tools report failures in their own words', () => {
  const failed: Array<[string, string]> = [
    ['mvn test | tail -3', '[ERROR] Tests run: 10, Failures: 2, Errors: 0, Skipped: 0'],
    ['ctest | tail -2', '75% tests passed, 1 tests failed out of 4'],
    ['swift test 2>&1 | tail -1', 'Executed 5 tests, with 1 failure (0 unexpected) in 0.012 seconds'],
    ['prove -r t/ | tail -2', 'not ok 3 - parses dates'],
    ['bun test 2>&1 | tail -2', ' 5 pass\n 1 fail'],
    ['dotnet build | tail -1', 'Program.cs(5,10): error CS1002: ; expected'],
    ['npm run build | tail -2', 'Failed to compile.\n./src/app.tsx'],
    ['black --check . ; true', 'would reformat src/io.py\n1 file would be reformatted, 9 files would be left unchanged.'],
    ['go build ./... 2>&1 | head', './main.go:10:2: undefined: foo'],
    ['ruby app.rb 2>&1 | tail -1', "app.rb:3:in `<main>': undefined local variable or method `x' for main:Object (NameError)"],
    ['pip install -r req.txt | tail -1', 'ERROR: Could not find a version that satisfies the requirement foo==9.9'],
    ['pnpm -r build | tail -1', ' ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL  web@1.0.0 build: `next build`'],
  ];
  for (const [command, output] of failed) assert.equal(maskedFailure(bash(command, output)), 'error', output);
  const clean: Array<[string, string]> = [
    ['mvn test | tail -3', '[INFO] Tests run: 10, Failures: 0, Errors: 0, Skipped: 0'],
    ['bun test 2>&1 | tail -2', ' 6 pass\n 0 fail'],
    ['npm run build | tail -2', 'Compiled successfully.\nRoute (app)  Size'],
    ['black --check . ; true', 'All done! ✨ 🍰 ✨\n10 files would be left unchanged.'],
    ['go build ./... 2>&1 | head', ''],
  ];
  for (const [command, output] of clean) assert.equal(maskedFailure(bash(command, output)), null, output);
});

test('masked failure: a line-start rule holds on the first line and after any line break, never mid-line', () => {
  // The runner's `FAILED` line as the whole output, after \n, after a lone \r (progress bars), after \u2028.
  for (const output of ['FAILED tests/a.py::t', 'collected 3\nFAILED tests/a.py::t', '[===>  ] 50%\rFAILED tests/a.py::t', 'x\u2028FAILED tests/a.py::t']) {
    assert.equal(maskedFailure(bash('pytest -q | tail -2', output)), 'error', JSON.stringify(output));
  }
  // The same words inside a line are not the runner's summary.
  assert.equal(maskedFailure(bash('pytest -q | tail -2', 'expected FAILED tests to be retried')), null);
  // A passing summary after a carriage return still decides "clean" before the build rules look at the rest.
  assert.equal(maskedFailure(bash('pytest -q | tail -2', 'Error: flaky fixture retried\r== 3 passed in 0.2s')), null);
  // Line-start and anywhere rules of one group: `make: ***` only at a line start, ELIFECYCLE anywhere.
  assert.equal(maskedFailure(bash('make | tail -1', 'make: *** [all] Error 2')), 'error');
  assert.equal(maskedFailure(bash('make | tail -1', 'see make: *** [all] Error 2')), null);
  assert.equal(maskedFailure(bash('npm run build | tail -1', 'npm ERR! code ELIFECYCLE: build failed')), 'error');
  assert.equal(maskedFailure(bash('yarn build | tail -1', 'warn: ELIFECYCLE step failed')), 'error');
});
