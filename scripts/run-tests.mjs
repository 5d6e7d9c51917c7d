// Runs every *.test.ts under src/ and test/ with Node's own test runner (tsx compiles TypeScript on the fly).
// Node 20's --test cannot glob .ts files itself, so the list is built here.
import { readdirSync, statSync } from 'node:fs'
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
let files = [...find('src'), ...find('test')].sort()
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)))
if (files.length === 0) { console.error('no test files found'); process.exit(1) }
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } })
process.exit(res.status ?? 1)
