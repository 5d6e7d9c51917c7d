import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Store } from '../../src/store/index.ts'
import { costReport, costsProcessor } from '../../src/platform/costs/index.ts'
import { tempDir } from '../helpers.ts'
import { describeStores, testEnginesAgree } from '../support/stores.ts'

/**
 * Agnes's figures against ccusage (the tool people use today; pinned, installed by scripts/ci-deps.sh), on the same transcript files.
 *
 * The files are laid out as Claude Code keeps them (`projects/<project>/<session id>.jsonl`, subagents under
 * `<session id>/subagents/`), ccusage reads them offline with its bundled prices, and each of its sessions must
 * match Agnes's session row (a transcript with its subagents' transcripts) in every token kind exactly, and in cost
 * within 1 %. Where ccusage's pricing departs from Anthropic's rules (docs/costs.md), the second test pins both
 * figures: Agnes's is the hand count, ccusage's is what it says.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const REAL = join(ROOT, 'test/fixtures/transcripts/real')
const COSTS = join(ROOT, 'test/fixtures/transcripts/costs')
// Installed by scripts/ci-deps.sh (npm test's pretest) into .tools/ccusage, pinned; not a devDependency (see there).
const CCUSAGE = join(ROOT, '.tools/ccusage/node_modules/ccusage/src/cli.js')
/** ccusage is a launcher for a native binary per platform; the registry may not publish every platform's. */
const NATIVE = join(ROOT, `.tools/ccusage/node_modules/@ccusage/ccusage-${process.platform}-${process.arch}`)
const ccusageMissing = !existsSync(CCUSAGE)
  ? 'ccusage is not installed: scripts/ci-deps.sh installs it into .tools/ccusage'
  : !existsSync(NATIVE) ? `ccusage has no binary for ${process.platform}-${process.arch} here (@ccusage/ccusage-linux-x64 is the one pinned)` : false

interface CcSession {
  sessionId: string
  inputTokens: number
  outputTokens: number
  cacheCreationTokens: number
  cacheReadTokens: number
  totalCost: number
  modelBreakdowns: Array<{ modelName: string; cost: number }>
}

/** The session a transcript file belongs to: the last `sessionId` its lines carry (a resumed session's file starts with the original's). */
function sessionIdOf(path: string): string {
  let id: string | null = null
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      const v = JSON.parse(line).sessionId
      if (typeof v === 'string') id = v
    } catch {
      // not a JSON line
    }
  }
  if (!id) throw new Error(`no sessionId in ${path}`)
  return id
}

/** Lays the files out as Claude Code does, so ccusage groups a session's subagent transcripts with it. */
function claudeLayout(dir: string, files: Array<{ path: string; project: string; name: string }>): void {
  for (const f of files) {
    const sid = sessionIdOf(f.path)
    const into = f.name.startsWith('agent-') ? join(dir, 'projects', f.project, sid, 'subagents') : join(dir, 'projects', f.project)
    mkdirSync(into, { recursive: true })
    copyFileSync(f.path, join(into, f.name.startsWith('agent-') ? f.name : `${sid}.jsonl`))
  }
}

function runCcusage(configDir: string): CcSession[] {
  const out = execFileSync(process.execPath, [CCUSAGE, 'claude', 'session', '--offline', '--json', '--mode', 'calculate', '--breakdown', '--timezone', 'UTC'], {
    env: { PATH: process.env.PATH ?? '', HOME: configDir, CLAUDE_CONFIG_DIR: configDir, NO_COLOR: '1' },
    encoding: 'utf8',
  })
  return (JSON.parse(out) as { sessions: CcSession[] }).sessions
}

/** The real fixtures: `<owner>__<repo>__<name>.jsonl`, one project per repository. */
const realFiles = () =>
  readdirSync(REAL).filter((n) => n.endsWith('.jsonl')).map((n) => {
    const [owner, repo, ...rest] = n.split('__')
    return { path: join(REAL, n), project: `${owner}__${repo}`, owner: owner.toLowerCase(), name: rest.join('__') }
  })

const costFiles = () => readdirSync(COSTS).filter((n) => n.endsWith('.jsonl')).map((n) => ({ path: join(COSTS, n), project: 'shop', owner: 'ana', name: n }))

let workDir = ''
let realCc: CcSession[] = []
let costsCc: CcSession[] = []
before(() => {
  if (ccusageMissing) return
  workDir = tempDir('agnes-ccusage-')
  claudeLayout(join(workDir, 'real'), realFiles())
  claudeLayout(join(workDir, 'costs'), costFiles())
  realCc = runCcusage(join(workDir, 'real'))
  costsCc = runCcusage(join(workDir, 'costs'))
})
after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

async function sessionsOf(store: Store, files: Array<{ path: string; owner: string; name: string; project: string }>) {
  for (const f of files) {
    await costsProcessor.processSession(f.path, f.owner, `${f.owner}/${f.project}__${f.name}`, store, { runAt: '2026-11-29T00:00:00.000Z' })
  }
  const r = await costReport({ store }, null, { group_by: 'session', since: '2020-01-01', until: '2030-12-31', limit: 500 })
  return r
}

const within1Percent = (a: number, b: number) => Math.abs(a - b) <= 0.01 * Math.max(Math.abs(a), Math.abs(b))

describeStores('costs against ccusage', (h) => {
  test('the real transcripts: per session, every token kind equals ccusage and the cost agrees within 1 %', { skip: ccusageMissing }, async (t) => {
    const s = await h.store()
    const report = await sessionsOf(s, realFiles())
    const ours = new Map(report.rows.map((r) => [r.session_id, r]))
    // 28 files: 16 main transcripts (6 subagent files join three of them) and 3 sessions known only by their 6 subagent files.
    assert.equal(realCc.length, 19)
    assert.equal(report.rows.length, realCc.length)
    const lines: string[] = []
    for (const cc of realCc) {
      const a = ours.get(cc.sessionId)
      assert.ok(a, `Agnes has session ${cc.sessionId}`)
      const kinds = [a.input_tokens, a.output_tokens, a.cache_creation_tokens, a.cache_read_tokens]
      assert.deepEqual(kinds, [cc.inputTokens, cc.outputTokens, cc.cacheCreationTokens, cc.cacheReadTokens], `tokens of ${cc.sessionId}`)
      assert.equal(a.cost_complete, true, `${cc.sessionId}: every model has a price`)
      assert.ok(within1Percent(a.cost_usd!, cc.totalCost), `${cc.sessionId}: cost ${a.cost_usd} vs ccusage ${cc.totalCost}`)
      lines.push(`${a.session_file}\t${kinds.join('\t')}\t${a.cost_usd}\t${cc.totalCost.toFixed(6)}`)
    }
    t.diagnostic(`session_file\tinput\toutput\tcache_creation\tcache_read\tagnes_usd\tccusage_usd\n${lines.join('\n')}`)
    const ccTotal = realCc.reduce((n, c) => n + c.totalCost, 0)
    assert.ok(within1Percent(report.totals.cost_usd!, ccTotal), `total ${report.totals.cost_usd} vs ccusage ${ccTotal}`)
    h.answer('real.totals', report.totals)
  })

  test('the accounting fixtures: same tokens as ccusage; where its prices depart from Anthropic\'s rules, Agnes has the hand count', { skip: ccusageMissing }, async () => {
    const s = await h.store()
    const report = await sessionsOf(s, costFiles())
    const ours = new Map(report.rows.map((r) => [r.session_id, r]))
    const cc = new Map(costsCc.map((c) => [c.sessionId, c]))
    assert.deepEqual([...ours.keys()].sort(), [...cc.keys()].sort())
    for (const [id, c] of cc) {
      const a = ours.get(id)!
      assert.deepEqual([a.input_tokens, a.output_tokens, a.cache_creation_tokens, a.cache_read_tokens], [c.inputTokens, c.outputTokens, c.cacheCreationTokens, c.cacheReadTokens], id)
    }
    const cost = (id: string) => [ours.get(id)!.cost_usd, Number(cc.get(id)!.totalCost.toFixed(6))]
    // Streamed, duplicated, resumed, subagent and costUSD sessions: the same prices, the same figure.
    const same = [
      'a1a1a1a1-0000-4000-8000-000000000001', 'a2a2a2a2-0000-4000-8000-000000000002', 'a3a3a3a3-0000-4000-8000-000000000003',
      'a3a3a3a3-0000-4000-8000-00000000003b', 'a4a4a4a4-0000-4000-8000-000000000004', 'a5a5a5a5-0000-4000-8000-000000000005',
    ]
    for (const id of same) {
      const [a, c] = cost(id)
      assert.ok(within1Percent(a!, c!), `${id}: ${a} vs ${c}`)
    }
    // Long prompts. Anthropic prices every token of a request over 200K prompt tokens at the long-context rates;
    // ccusage prices only each kind's tokens beyond 200K higher, so the 250K-token request (150K input + 100K cache
    // reads, each under 200K) costs base rates there. Hand count, Sonnet 4.5: (150 000 × 6 + 100 000 × 0.6 + 1000 × 22.5)
    // + (150 000 × 3 + 1000 × 15) µ$ = 1.4475; Haiku 5.5 (unknown to ccusage, so $0 there) 120 000 × 0.5 + 2000 × 2.5 µ$ = 0.065.
    assert.deepEqual(cost('a6a6a6a6-0000-4000-8000-000000000006'), [1.5125, 0.96])
    // Fast mode at 6× agrees (0.18); US-only inference is 1.1× for Agnes (0.033), 1× for ccusage (0.03); claude-nova-9
    // has no price: ccusage counts it as $0, Agnes leaves it out of cost_usd and lists it as unpriced.
    assert.deepEqual(cost('a7a7a7a7-0000-4000-8000-000000000007'), [0.213, 0.21])
    assert.deepEqual(ours.get('a7a7a7a7-0000-4000-8000-000000000007')!.unpriced?.models, ['claude-nova-9'])
    assert.deepEqual(cc.get('a7a7a7a7-0000-4000-8000-000000000007')!.modelBreakdowns.find((m) => m.modelName === 'claude-nova-9')?.cost, 0)
  })
})

testEnginesAgree()
