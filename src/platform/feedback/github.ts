import type { AuditNote, Services } from '../../services.ts'
import { AppError, badRequest, notFound } from '../../errors.ts'
import {
  GithubError, githubClient, githubWebBase, issueContent, newIssueUrl, readGithubStatus, recordGithubError, recordGithubOk, reportMarker, fingerprintMarker, verifyWebhookSignature,
  ISSUE_LABEL, type GithubClient, type GithubIssue,
} from '../../integrations/github/index.ts'
import { isActive, statusChange } from './status.ts'
import { presentReport } from './present.ts'
import { tellReporter } from './reporter.ts'

/**
 * Reports to GitHub issues and back. A report becomes an issue whose body carries a hidden marker with the report's
 * fingerprint; another report of the same problem becomes a "+1" comment on that issue instead of a second issue. When
 * the issue is closed (webhook, or the github_sync job's poll) every report linked to it is resolved, and reopening it
 * reopens them. Nothing is ever half-done: the issue number is stored only after GitHub created the issue, and a retry
 * after a failure in between finds the issue (or comment) by its markers instead of writing it again.
 */

export interface GithubSendOptions {
  dry_run?: boolean
  /** Put the session excerpt into the issue (never without the admin asking). */
  include_excerpt?: boolean
  /** When the issue found for the fingerprint is closed, reopen it. */
  reopen?: boolean
}

/** How long one send may hold the fingerprint's lease (two admins sending the same problem at once get one issue). */
const SEND_LEASE_MS = 60_000
const ISSUE_LEASE_MS = 30_000
/** Closed issues are polled this long after they closed, to notice a reopen. */
const REOPEN_WATCH_MS = 30 * 86_400_000
/** Most issues one github_sync run asks GitHub about. */
const SYNC_BATCH = 100

const configured = (svc: Services) => Boolean(svc.config.github.token && svc.config.github.repo)

/** A GitHub failure as the API answers it: what went wrong and what to do, the audit result naming the kind. */
function githubAppError(e: GithubError): AppError {
  const auditResult = `error.github_${e.kind}`
  if (e.kind === 'rate_limited') return new AppError(503, 'github_rate_limited', `${e.message}. Nothing was created.`, { auditResult, retryAfterSeconds: e.retryAfterS ?? 60 })
  const hint = e.kind === 'unreachable' || e.kind === 'unavailable' ? ' Nothing was created; try again later (a retry finds what was sent).' : ' Nothing was created.'
  return new AppError(502, `github_${e.kind}`, `${e.message}.${hint}`, { auditResult })
}

/** Runs GitHub calls; a failure is recorded for the health pulse and becomes the API's error. */
async function onGithub<T>(svc: Services, fn: () => Promise<T>): Promise<T> {
  try {
    const out = await fn()
    await recordGithubOk(svc)
    return out
  } catch (e) {
    if (e instanceof GithubError) {
      await recordGithubError(svc, e)
      throw githubAppError(e)
    }
    throw e
  }
}

/** The issue carrying the fingerprint's marker: an open one first, else the oldest. Search first, then the newest labelled issues (search lags). */
async function findIssueByMarker(client: GithubClient, fp: string): Promise<GithubIssue | null> {
  const marker = fingerprintMarker(fp)
  const pick = (issues: GithubIssue[]) => {
    const hits = issues.filter((i) => (i.body ?? '').includes(marker)).sort((a, b) => a.number - b.number)
    return hits.find((i) => i.state === 'open') ?? hits[0] ?? null
  }
  return pick(await client.searchIssues(`"${fp}"`)) ?? pick(await client.recentIssues(ISSUE_LABEL))
}

const issueOut = (i: { number: number; url: string; state: string }) => ({ number: i.number, url: i.url, state: i.state })

/**
 * Sends a report to GitHub (POST /api/admin/feedback/{id}/github). A dry run answers exactly what would be sent (title,
 * body, labels, or the "+1" comment when an issue with the fingerprint exists) and changes nothing; without a token it
 * also answers a pre-filled new-issue link. Otherwise the issue is created (or the comment added, the closed issue
 * reopened when asked) and the report linked to it.
 */
export async function sendToGithub(svc: Services, note: AuditNote, id: string, opts: GithubSendOptions, ctx: { origin: string; correlationId: string }) {
  note.resource = `feedback:${id}`
  const report = await svc.store.feedback.byId(id)
  if (!report) throw notFound('report')
  const g = svc.config.github
  const dryRun = opts.dry_run === true
  note.params = { dry_run: dryRun, include_excerpt: opts.include_excerpt === true, reopen: opts.reopen === true, repo: g.repo }
  if (dryRun) note.action = 'feedback.github_preview'

  const [reporter, findings, sharing] = await Promise.all([
    svc.store.users.byId(report.reporter_user),
    report.session_file && svc.store.sessions ? svc.store.sessions.findingsForFile(report.session_file) : Promise.resolve([]),
    svc.store.feedback.countWithFingerprint(report.fingerprint),
  ])
  const content = issueContent({
    report, reporter: reporter?.username ?? 'a removed user', link: `${ctx.origin}/admin/feedback?id=${encodeURIComponent(report.id)}`,
    duplicates: Math.max(0, sharing - 1), includeExcerpt: opts.include_excerpt === true,
    findings: findings.map((f) => ({ finding_type: f.finding_type, severity: f.severity, line: f.line, turn_index: f.turn_index, excerpt: f.excerpt })),
  })
  const linked = report.github_issue_number !== null && report.github_repo
    ? { number: report.github_issue_number, url: report.github_issue_url ?? '', state: (await svc.store.feedback.githubIssue(report.github_repo, report.github_issue_number))?.state ?? 'open' }
    : null

  if (dryRun) {
    const preview = {
      dry_run: true as const, configured: configured(svc), repo: g.repo, title: content.title, body: content.body, labels: content.labels,
      comment: content.comment, redactions: content.redactions,
      new_issue_url: !configured(svc) && g.repo ? newIssueUrl(githubWebBase(g.apiBase), g.repo, content) : null,
    }
    if (linked) return { ...preview, action: 'linked' as const, existing: issueOut(linked), would_reopen: false, lookup_error: null }
    if (!configured(svc)) return { ...preview, action: 'create' as const, existing: null, would_reopen: false, lookup_error: null }
    try {
      const found = await onGithub(svc, () => findIssueByMarker(githubClient(g), report.fingerprint))
      const existing = found ? issueOut({ number: found.number, url: found.html_url, state: found.state }) : null
      note.params = { ...note.params, existing_issue: existing?.number ?? null }
      return { ...preview, action: existing ? ('comment' as const) : ('create' as const), existing, would_reopen: Boolean(existing && existing.state === 'closed' && opts.reopen), lookup_error: null }
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      // The preview is still worth showing; sending will fail the same way until GitHub answers again.
      return { ...preview, action: 'unknown' as const, existing: null, would_reopen: false, lookup_error: e.message }
    }
  }

  note.params_before = { github_issue_number: report.github_issue_number, github_issue_url: report.github_issue_url }
  if (linked) {
    note.params = { ...note.params, action: 'already_linked', issue_number: linked.number, issue_url: linked.url }
    return { dry_run: false as const, action: 'already_linked' as const, issue: issueOut(linked), reopened: false, report: presentReport(report) }
  }
  if (!configured(svc)) {
    throw new AppError(409, 'github_not_configured', 'GITHUB_TOKEN is not set, so Agnes cannot open issues: a dry run answers a pre-filled new-issue link (new_issue_url) instead')
  }

  const client = githubClient(g)
  const lease = `github_send:${report.fingerprint}`
  if (!(await svc.store.locks.acquire(lease, ctx.correlationId, SEND_LEASE_MS))) {
    throw new AppError(409, 'github_busy', 'another request is sending this problem to GitHub right now; try again in a few seconds', { retryAfterSeconds: 5 })
  }
  try {
    const out = await onGithub(svc, async () => {
      const found = await findIssueByMarker(client, report.fingerprint)
      if (!found) return { action: 'created' as const, issue: await client.createIssue({ title: content.title, body: content.body, labels: content.labels }), reopened: false }
      const mine = reportMarker(report.id)
      // Written by an earlier attempt whose answer was lost (or whose link could not be stored): link, write nothing.
      let action: 'linked' | 'commented' = 'linked'
      if (!(found.body ?? '').includes(mine)) {
        const comments = await client.comments(found.number)
        if (!comments.some((c) => (c.body ?? '').includes(mine))) {
          await client.addComment(found.number, content.comment)
          action = 'commented'
        }
      }
      let issue = found
      let reopened = false
      if (found.state === 'closed' && opts.reopen) {
        issue = await client.setIssueState(found.number, 'open')
        reopened = true
      }
      return { action, issue, reopened }
    })
    const issue = { repo: client.repo, number: out.issue.number, url: out.issue.html_url, fingerprint: report.fingerprint, state: out.issue.state, state_reason: out.issue.state_reason ?? null }
    // The issue's state as GitHub just told it, acted on before this report joins: closed since the last poll resolves
    // the reports already linked; reopened here reopens the ones its close resolved, as the webhook's `reopened` would.
    await applyGithubIssueState(svc, issue, { via: 'agnes', correlationId: ctx.correlationId })
    await svc.store.feedback.linkGithubIssue(report.id, issue, svc.clock.now().toISOString())
    note.params = { ...note.params, action: out.action, issue_number: issue.number, issue_url: issue.url, reopened: out.reopened }
    const after = (await svc.store.feedback.byId(report.id))!
    return { dry_run: false as const, action: out.action, issue: issueOut(issue), reopened: out.reopened, report: presentReport(after) }
  } finally {
    await svc.store.locks.release(lease, ctx.correlationId).catch(() => {})
  }
}

export interface IssueState {
  repo: string
  number: number
  url: string
  state: 'open' | 'closed'
  state_reason: string | null
}

/**
 * Acts on an issue's state as GitHub reports it (webhook, poll, or Agnes reopening it), once per change: closed resolves
 * every active linked report (won't fix when closed as not planned) with a resolution naming the issue, and tells its
 * reporter; reopened reopens the linked reports its close had resolved. The reports change before the issue's recorded
 * state, so a crash in between is redone by the next delivery or poll; a lease per issue keeps a webhook and a poll
 * from acting on the same change twice.
 */
export async function applyGithubIssueState(svc: Services, s: IssueState, ctx: { via: 'webhook' | 'github_sync' | 'agnes'; correlationId: string }) {
  const out = { known: false, changed: false, resolved: [] as string[], reopened: [] as string[], before: {} as Record<string, { status: string; resolution: string | null }> }
  const lease = `github_issue:${s.repo}#${s.number}`
  let held = false
  for (let i = 0; i < 20 && !(held = await svc.store.locks.acquire(lease, ctx.correlationId, ISSUE_LEASE_MS)); i++) await new Promise((r) => setTimeout(r, 100))
  if (!held) return { ...out, known: true, busy: true }
  try {
    const known = await svc.store.feedback.githubIssue(s.repo, s.number)
    if (!known) return { ...out, busy: false }
    out.known = true
    const now = svc.clock.now().toISOString()
    if (known.state !== s.state) {
      out.changed = true
      const reports = await svc.store.feedback.reportsForGithubIssue(s.repo, s.number)
      for (const r of reports) {
        if (s.state === 'closed' ? !isActive(r.status) : isActive(r.status) || r.resolved_via !== 'github') continue
        out.before[r.id] = { status: r.status, resolution: r.resolution }
        if (s.state === 'closed') {
          const status = s.state_reason === 'not_planned' ? 'wontfix' : 'resolved'
          const resolution = status === 'resolved'
            ? `Resolved: GitHub issue ${s.repo}#${s.number} was closed. ${s.url}`
            : `Won't fix: GitHub issue ${s.repo}#${s.number} was closed as not planned. ${s.url}`
          await svc.store.feedback.update(r.id, { ...statusChange(r, status, null, now), resolution, resolved_via: 'github', reporter_update_at: now }, now)
          out.resolved.push(r.id)
          await tellReporter(svc, r, { kind: status, text: resolution }, ctx.correlationId)
        } else {
          await svc.store.feedback.update(r.id, { ...statusChange(r, 'open', null, now), resolution: null, resolved_via: null, reporter_update_at: now }, now)
          out.reopened.push(r.id)
        }
      }
    }
    await svc.store.feedback.setGithubIssueState(s.repo, s.number, s.state, s.state_reason, now)
    return { ...out, busy: false }
  } finally {
    await svc.store.locks.release(lease, ctx.correlationId).catch(() => {})
  }
}

/**
 * The `github_sync` job: asks GitHub for the state of the linked issues (open ones, and ones closed in the last 30 days,
 * least recently checked first) and acts on changes, for instances GitHub cannot deliver webhooks to. Stops at the first
 * sign that GitHub is down, rate-limiting or refusing the token; the pulse shows it.
 */
export async function syncGithubIssues(svc: Services, ctx: { correlationId: string; deadline?: number }) {
  const g = svc.config.github
  if (!configured(svc)) return { configured: false }
  const client = githubClient(g)
  const now = svc.clock.now()
  const issues = await svc.store.feedback.githubIssuesToCheck(g.repo!, new Date(now.getTime() - REOPEN_WATCH_MS).toISOString(), SYNC_BATCH)
  const out = { configured: true, checked: 0, closed: [] as number[], reopened: [] as number[], resolved_reports: [] as string[], reopened_reports: [] as string[], missing: [] as number[], failed: [] as Array<{ issue: number; error: string }> }
  for (const issue of issues) {
    if (ctx.deadline && Date.now() > ctx.deadline) break
    let gi: GithubIssue
    try {
      gi = await client.getIssue(issue.number)
    } catch (e) {
      if (!(e instanceof GithubError)) throw e
      if (e.kind === 'not_found') {
        // Deleted or moved: nothing to follow; checked, so it goes to the back of the queue.
        out.missing.push(issue.number)
        await svc.store.feedback.markGithubIssueChecked(issue.repo, issue.number, svc.clock.now().toISOString())
        continue
      }
      await recordGithubError(svc, e)
      out.failed.push({ issue: issue.number, error: e.message })
      break
    }
    out.checked++
    const r = await applyGithubIssueState(svc, { repo: issue.repo, number: issue.number, url: gi.html_url, state: gi.state, state_reason: gi.state_reason ?? null }, { via: 'github_sync', correlationId: ctx.correlationId })
    if (r.changed) (gi.state === 'closed' ? out.closed : out.reopened).push(issue.number)
    out.resolved_reports.push(...r.resolved)
    out.reopened_reports.push(...r.reopened)
  }
  if (out.checked > 0 && out.failed.length === 0) await recordGithubOk(svc)
  if (issues.length === 0) {
    // Nothing to follow: still find out whether an earlier failure is over, so the pulse does not stay red for nothing.
    const st = await readGithubStatus(svc)
    if (st.last_error && (!st.last_ok_at || st.last_ok_at < st.last_error.at)) {
      try {
        await client.repository()
        await recordGithubOk(svc)
      } catch (e) {
        if (!(e instanceof GithubError)) throw e
        await recordGithubError(svc, e)
        out.failed.push({ issue: 0, error: e.message })
      }
    }
  }
  return out
}

/** Reads a delivery's JSON (a JSON body, or the `payload` field of a form-encoded one). */
function deliveryPayload(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  try {
    const text = raw.toString('utf8')
    const json = /application\/x-www-form-urlencoded/i.test(contentType ?? '') ? new URLSearchParams(text).get('payload') ?? '' : text
    const v = JSON.parse(json)
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through
  }
  throw badRequest('the delivery is not a JSON object')
}

/**
 * A GitHub webhook delivery (POST /api/integrations/github/webhook). Only a body signed with GITHUB_WEBHOOK_SECRET
 * (X-Hub-Signature-256) is read; anything else is a 401. `issues` events `closed` and `reopened` of GITHUB_REPO act on
 * the linked reports; `ping` answers; every other event is acknowledged and ignored.
 */
export async function handleGithubWebhook(
  svc: Services, note: AuditNote,
  req: { raw: Buffer; signature: string | undefined; event: string | undefined; delivery: string | undefined; contentType: string | undefined; correlationId: string },
) {
  note.resource = 'github_webhook'
  note.params = { event: req.event ?? null, delivery: req.delivery ?? null }
  const secret = svc.config.github.webhookSecret
  if (!secret) throw new AppError(404, 'github_webhook_not_configured', 'GITHUB_WEBHOOK_SECRET is not set: this instance takes no GitHub webhooks')
  if (!verifyWebhookSignature(secret, req.raw, req.signature)) {
    throw new AppError(401, 'bad_signature', 'X-Hub-Signature-256 is missing or is not the body signed with GITHUB_WEBHOOK_SECRET')
  }
  const p = deliveryPayload(req.raw, req.contentType)
  const action = typeof p.action === 'string' ? p.action : null
  note.params = { ...note.params, action }
  if (req.event === 'ping') return { handled: false, event: 'ping', reason: 'pong' }
  if (req.event !== 'issues' || (action !== 'closed' && action !== 'reopened')) return { handled: false, event: req.event ?? null, reason: 'only issues closed and reopened are acted on' }
  const repo = (p.repository as { full_name?: unknown } | undefined)?.full_name
  const issue = p.issue as { number?: unknown; html_url?: unknown; state?: unknown; state_reason?: unknown } | undefined
  if (typeof issue?.number !== 'number' || typeof repo !== 'string') throw badRequest('an issues delivery names its repository and issue')
  const configuredRepo = svc.config.github.repo
  if (!configuredRepo || repo.toLowerCase() !== configuredRepo.toLowerCase()) {
    note.params = { ...note.params, repo, issue: issue.number }
    return { handled: false, event: 'issues', reason: `not GITHUB_REPO (${configuredRepo ?? 'unset'})` }
  }
  const r = await applyGithubIssueState(svc, {
    repo: configuredRepo, number: issue.number, url: typeof issue.html_url === 'string' ? issue.html_url : '',
    state: action === 'closed' ? 'closed' : 'open', state_reason: typeof issue.state_reason === 'string' ? issue.state_reason : null,
  }, { via: 'webhook', correlationId: req.correlationId })
  note.params_before = { reports: r.before }
  note.params = { ...note.params, repo: configuredRepo, issue: issue.number, known: r.known, resolved: r.resolved, reopened: r.reopened }
  return { handled: r.known, event: 'issues', action, issue: issue.number, resolved: r.resolved, reopened: r.reopened, ...(r.known ? {} : { reason: 'no report is linked to this issue' }) }
}
