// Runs every *.test.ts under src/ and test/ with Node's own test runner (tsx compiles TypeScript on the fly).
// Node 20's --test cannot glob .ts files itself, so the list is built here.
import { accessSync, chmodSync, constants, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

function find(dir, out = []) {
  let entries = []
  try { entries = readdirSync(dir) } catch { return out }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) find(p, out)
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const filter = process.argv.slice(2)
// The longest files start first, so the two slots finish together instead of one waiting on a long file started last.
const LONGEST_FIRST = ['test/e2e/demo.test.ts', 'test/browser/layout.test.ts', 'test/browser/sessions.test.ts', 'test/browser/activity.test.ts']
let files = [...find('src'), ...find('test')].sort((a, b) => {
  const ra = LONGEST_FIRST.indexOf(a)
  const rb = LONGEST_FIRST.indexOf(b)
  if (ra !== rb) return (ra === -1 ? Infinity : ra) - (rb === -1 ? Infinity : rb)
  return a < b ? -1 : a > b ? 1 : 0
})
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)))
if (files.length === 0) { console.error('no test files found'); process.exit(1) }
// The tests' data folders (stores, uploads, PostgreSQL clusters, browser profiles) go to memory when the machine has
// /dev/shm: every audited request waits for its commit's fsync, and on this VM's disk those waits were a large share
// of the suite's time. The tests check behaviour, not the disk; the product's own default is unchanged. TMPDIR set by
// the caller wins.
let scratch = null
if (!process.env.TMPDIR) {
  try {
    accessSync('/dev/shm', constants.W_OK)
    scratch = mkdtempSync('/dev/shm/agnes-tests-')
    // Like /tmp: the test PostgreSQL clusters run as the postgres user and make their folders in here too.
    chmodSync(scratch, 0o1777)
  } catch {}
}
const env = { ...process.env, NODE_ENV: 'test', ...(scratch ? { TMPDIR: scratch } : {}) }
// AGNES_TEST_FILE_TIMES=<path> also writes each file's time there (scripts/test-file-times.mjs), to see what to trim.
const timing = process.env.AGNES_TEST_FILE_TIMES ? ['--test-reporter=./scripts/test-file-times.mjs', `--test-reporter-destination=${process.env.AGNES_TEST_FILE_TIMES}`] : []
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', '--test-reporter-destination=stdout', ...timing, ...files], { stdio: 'inherit', env })
if (scratch) rmSync(scratch, { recursive: true, force: true })
process.exit(res.status ?? 1)
