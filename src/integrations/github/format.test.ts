import { test } from 'node:test'
import assert from 'node:assert/strict'
import { issueContent, issueTitle, newIssueUrl, fingerprintMarker, reportMarker, BODY_MAX_CHARS, NEW_ISSUE_URL_MAX, type IssueSource } from './format.ts'
import { signWebhookBody, verifyWebhookSignature } from './signature.ts'
import { githubWebBase } from './client.ts'
import { githubField, type HealthInputs } from '../../activity/health.ts'

const FP = 'f'.repeat(64)
const GH_TOKEN = 'ghp_' + 'A1b2C3d4'.repeat(5)

function source(over: Partial<IssueSource['report']> = {}, rest: Partial<IssueSource> = {}): IssueSource {
  return {
    report: {
      id: 'r-1', created_at: '2026-11-24T10:00:00.000Z', message: 'The export fails', environment: { os: 'Linux', agnes_cli_version: '0.1.0' },
      fingerprint: FP, tags: ['export'], session_file: null, session_excerpt: null, ...over,
    },
    reporter: 'ana', link: 'https://agnes.example.com/admin/feedback?id=r-1', duplicates: 0, findings: [], includeExcerpt: false, ...rest,
  }
}

/** The lines of a body that open or close a fenced block, in order. */
const fences = (body: string) => body.split('\n').filter((l) => /^`{3,}/.test(l))

test('the title is the first non-empty line, clipped', () => {
  assert.equal(issueTitle('\n\n  Query fails  \nmore'), 'Agnes report: Query fails')
  assert.equal(issueTitle('x'.repeat(300)), `Agnes report: ${'x'.repeat(119)}…`)
  assert.equal(issueTitle('   '), 'Agnes report: Problem report')
})

test('the message is fenced so nothing in it renders: backticks in it get a longer fence, @mentions stay text; markers come last, outside', () => {
  const c = issueContent(source({ message: 'ping @octocat\n```js\nboom()\n```\ncc #12' }))
  const [open, ...rest] = fences(c.body)
  assert.equal(open, '````text', 'a fence longer than any run of backticks in the message')
  assert.ok(rest.includes('````'))
  assert.ok(c.body.includes('````text\nping @octocat\n```js\nboom()\n```\ncc #12\n````'))
  assert.ok(c.body.endsWith(`${fingerprintMarker(FP)}\n${reportMarker('r-1')}\n`))
  assert.equal(fences(c.body).length % 2, 0, 'every fence is closed')
  assert.deepEqual(c.labels, ['agnes-report', 'export'])
  assert.ok(c.comment.startsWith('+1 report from ana, https://agnes.example.com/admin/feedback?id=r-1\n'))
  assert.ok(c.comment.includes(fingerprintMarker(FP)))
})

test('the environment table escapes pipes and HTML; findings are listed; no excerpt unless asked', () => {
  const c = issueContent(source(
    { environment: { os: 'Linux | x64', note: '<b>bold</b>' }, session_file: 'ana/s.jsonl', session_excerpt: 'Error: secret plan\n' },
    { findings: [{ finding_type: 'tool_error', severity: 'error', line: 12, turn_index: 2, excerpt: 'Exit code 1' }] },
  ))
  assert.match(c.body, /\| OS \| Linux \\\| x64 \|/)
  assert.match(c.body, /\| note \| &lt;b>bold&lt;\/b> \|/)
  assert.match(c.body, /Transcript `ana\/s\.jsonl`\n\n```text\ntool_error \(error\) at line 12, turn 3: Exit code 1\n```/)
  assert.ok(!c.body.includes('secret plan'))
  const withIt = issueContent(source({ session_excerpt: `${'x'.repeat(50_000)}\nError: the last line\n` }, { includeExcerpt: true }))
  assert.match(withIt.body, /the last 40000 shown/)
  assert.ok(withIt.body.includes('Error: the last line'), 'the end of the excerpt is kept')
  assert.ok(withIt.body.length <= BODY_MAX_CHARS)
})

test('secrets are redacted in the title, body and comment, and counted', () => {
  const c = issueContent(source({ message: `Push fails with ${GH_TOKEN}` }))
  for (const text of [c.title, c.body, c.comment]) {
    assert.ok(!text.includes(GH_TOKEN))
    assert.match(text, /\[REDACTED:github_token\]/)
  }
  assert.deepEqual(c.redactions, { github_token: 2 })
})

test('a new-issue link keeps short bodies whole and cuts long ones under the limit, keeping the footer and closing a cut fence', () => {
  const short = issueContent(source())
  const u = new URL(newIssueUrl('https://github.com', 'acme/x', short))
  assert.equal(`${u.origin}${u.pathname}`, 'https://github.com/acme/x/issues/new')
  assert.deepEqual([u.searchParams.get('title'), u.searchParams.get('labels'), u.searchParams.get('body')], [short.title, 'agnes-report,export', short.body])

  const long = issueContent(source({ message: 'ü ∑ '.repeat(4000) }))
  const link = newIssueUrl('https://github.com', 'acme/x', long)
  assert.ok(link.length <= NEW_ISSUE_URL_MAX, `${link.length}`)
  assert.ok(link.length > NEW_ISSUE_URL_MAX - 200, 'it uses the room there is')
  const body = new URL(link).searchParams.get('body')!
  assert.match(body, /…\(cut to fit a link; the full report is in Agnes\)/)
  assert.ok(body.endsWith(`${fingerprintMarker(FP)}\n${reportMarker('r-1')}\n`))
  assert.equal(fences(body).length % 2, 0, 'the message block cut in the middle is closed')
})

test('the web address of a GitHub API base', () => {
  assert.equal(githubWebBase('https://api.github.com'), 'https://github.com')
  assert.equal(githubWebBase('https://ghe.example.com/api/v3/'), 'https://ghe.example.com')
  assert.equal(githubWebBase('http://127.0.0.1:4000'), 'http://127.0.0.1:4000')
})

test('webhook signatures: only the HMAC of these exact bytes under the secret passes', () => {
  const body = Buffer.from('{"action":"closed"}')
  const sig = signWebhookBody('s3cret', body)
  assert.match(sig, /^sha256=[0-9a-f]{64}$/)
  assert.equal(verifyWebhookSignature('s3cret', body, sig), true)
  assert.equal(verifyWebhookSignature('s3cret', body, sig.toUpperCase().replace('SHA256=', 'sha256=')), true, 'hex case does not matter')
  assert.equal(verifyWebhookSignature('other', body, sig), false)
  assert.equal(verifyWebhookSignature('s3cret', Buffer.from('{"action": "closed"}'), sig), false, 'one byte more is another body')
  for (const bad of [undefined, '', 'sha1=abc', `sha256=${'0'.repeat(63)}`, sig.slice(0, -1) + 'z']) assert.equal(verifyWebhookSignature('s3cret', body, bad), false, String(bad))
})

test('the pulse field: grey when off, red while the last call failed, green once one works again', () => {
  const now = new Date('2026-11-24T12:00:00.000Z')
  const at = (min: number) => new Date(now.getTime() - min * 60_000).toISOString()
  const field = (github: HealthInputs['github']) => githubField({ github } as HealthInputs, now)
  const on = { configured: true, repo: 'acme/x', webhook: false }
  assert.deepEqual([field(undefined).color, field(undefined).value], ['grey', 'off (no GITHUB_TOKEN)'])
  assert.equal(field({ ...on, configured: false, last_ok_at: null, last_error: null }).value, 'off (no GITHUB_TOKEN; new-issue links for acme/x)')
  assert.deepEqual([field({ ...on, last_ok_at: null, last_error: null }).color, field({ ...on, last_ok_at: null, last_error: null }).value], ['green', 'acme/x, polled; no call yet'])
  const failing = field({ ...on, last_ok_at: at(30), last_error: { at: at(5), kind: 'rate_limited', message: 'GitHub rate-limited this token', retry_after_s: 60 } })
  assert.deepEqual([failing.color, failing.value], ['red', 'last call failed 5 min ago: GitHub rate-limited this token'])
  const recovered = field({ ...on, webhook: true, last_ok_at: at(1), last_error: { at: at(5), kind: 'unreachable', message: 'x', retry_after_s: null } })
  assert.deepEqual([recovered.color, recovered.value], ['green', 'acme/x, webhook; last call ok 1 min ago'])
  assert.deepEqual(failing.click_filter, { action_in: 'feedback.github_issue,feedback.github_preview,github.webhook,run_github_sync' })
})
