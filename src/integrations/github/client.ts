import type { Config } from '../../config.ts'

/** How long one GitHub REST call may take before it counts as GitHub being unreachable. */
export const GITHUB_TIMEOUT_MS = 15_000

/** An issue as the REST API answers it (the fields Agnes reads). */
export interface GithubIssue {
  number: number
  html_url: string
  state: 'open' | 'closed'
  state_reason: string | null
  title: string
  body: string | null
  /** Set when the "issue" is a pull request (the issues endpoints list both). */
  pull_request?: unknown
}

export interface GithubComment {
  id: number
  html_url: string
  body: string | null
}

/**
 * Why a GitHub call failed, in the terms an admin acts on: GitHub unreachable or failing (try again later), the token
 * revoked or lacking a permission (fix GITHUB_TOKEN), rate-limited (wait `retryAfterS`), the repository or issue not
 * found, or the request refused (422).
 */
export type GithubFailure = 'unreachable' | 'unavailable' | 'unauthorized' | 'forbidden' | 'rate_limited' | 'not_found' | 'rejected'

export class GithubError extends Error {
  constructor(
    readonly kind: GithubFailure,
    message: string,
    readonly status: number | null,
    readonly retryAfterS: number | null = null,
  ) {
    super(message)
  }
}

/** Seconds to wait that a 403/429 names: Retry-After, else the rate-limit window's reset time when none is left. */
function retryAfter(res: Response, nowMs: number): number | null {
  const ra = res.headers.get('retry-after')
  if (ra !== null) {
    const s = Number(ra)
    if (Number.isFinite(s) && s >= 0) return Math.ceil(s)
    const at = Date.parse(ra)
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - nowMs) / 1000))
  }
  if (res.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(res.headers.get('x-ratelimit-reset'))
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - nowMs / 1000))
  }
  return null
}

/** The failure a non-2xx answer stands for; GitHub's own message is quoted (clipped), the token never. */
function failureOf(res: Response, body: unknown, repo: string): GithubError {
  const said = typeof (body as { message?: unknown } | null)?.message === 'string' ? String((body as { message: string }).message).slice(0, 200) : `HTTP ${res.status}`
  const s = res.status
  if (s === 401) return new GithubError('unauthorized', `GitHub refused GITHUB_TOKEN (401 ${said}): the token was revoked or has expired`, s)
  const wait = retryAfter(res, Date.now())
  if (s === 429 || (s === 403 && (wait !== null || /rate limit/i.test(said)))) {
    return new GithubError('rate_limited', `GitHub rate-limited this token (${s} ${said})${wait !== null ? `; try again in ${wait} s` : ''}`, s, wait ?? 60)
  }
  if (s === 403) return new GithubError('forbidden', `GitHub refused the request (403 ${said}): the token needs the Issues read and write permission on ${repo}`, s)
  if (s === 404 || s === 410) return new GithubError('not_found', `GitHub answered ${s} ${said} (is GITHUB_REPO=${repo} right, and visible to the token?)`, s)
  if (s === 422) return new GithubError('rejected', `GitHub refused the request (422 ${said})`, s)
  return new GithubError('unavailable', `GitHub answered ${s} ${said}`, s)
}

export interface GithubClient {
  readonly repo: string
  /** The repository, as the token sees it (a cheap call that tells whether GitHub and the token work). */
  repository(): Promise<{ full_name: string }>
  /** Issues (not pull requests) of the repository whose text matches `terms` (GitHub's search, which lags a little). */
  searchIssues(terms: string): Promise<GithubIssue[]>
  /** The newest issues with a label, open and closed: what search may not show yet. */
  recentIssues(label: string, perPage?: number): Promise<GithubIssue[]>
  getIssue(number: number): Promise<GithubIssue>
  createIssue(issue: { title: string; body: string; labels: string[] }): Promise<GithubIssue>
  setIssueState(number: number, state: 'open' | 'closed'): Promise<GithubIssue>
  /** Up to `max` comments of an issue, oldest first. */
  comments(number: number, max?: number): Promise<GithubComment[]>
  addComment(number: number, body: string): Promise<GithubComment>
}

/**
 * A small client for the GitHub REST API (issues, comments, search) of GITHUB_REPO at GITHUB_API_BASE, so GitHub
 * Enterprise and the tests' fake server work alike. Every failure is a GithubError; the token only ever travels in the
 * Authorization header.
 */
export function githubClient(github: Config['github'], opts: { timeoutMs?: number } = {}): GithubClient {
  if (!github.token || !github.repo) throw new Error('githubClient needs GITHUB_TOKEN and GITHUB_REPO')
  const { token, repo, apiBase } = github
  const timeoutMs = opts.timeoutMs ?? GITHUB_TIMEOUT_MS
  const repoPath = `/repos/${repo.split('/').map(encodeURIComponent).join('/')}`

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(apiBase + path, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'agnes',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (e) {
      const err = e as { name?: string; cause?: { code?: string } }
      const why = err.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err.cause?.code ?? 'network failure')
      throw new GithubError('unreachable', `cannot reach GitHub at ${apiBase}: ${why}`, null)
    }
    const text = await res.text().catch(() => '')
    let parsed: unknown = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = null
    }
    if (!res.ok) throw failureOf(res, parsed, repo)
    if (parsed === null || typeof parsed !== 'object') throw new GithubError('unavailable', `GitHub answered ${res.status} without the JSON expected`, res.status)
    return parsed as T
  }

  const issuesOnly = (items: GithubIssue[]) => items.filter((i) => !i.pull_request)

  return {
    repo,
    repository: () => call<{ full_name: string }>('GET', repoPath),
    async searchIssues(terms) {
      const q = `repo:${repo} is:issue in:body ${terms}`
      const out = await call<{ items?: GithubIssue[] }>('GET', `/search/issues?q=${encodeURIComponent(q)}&per_page=20`)
      return issuesOnly(out.items ?? [])
    },
    async recentIssues(label, perPage = 100) {
      const qs = new URLSearchParams({ labels: label, state: 'all', sort: 'created', direction: 'desc', per_page: String(perPage) })
      return issuesOnly(await call<GithubIssue[]>('GET', `${repoPath}/issues?${qs}`))
    },
    getIssue: (number) => call<GithubIssue>('GET', `${repoPath}/issues/${number}`),
    createIssue: (issue) => call<GithubIssue>('POST', `${repoPath}/issues`, issue),
    setIssueState: (number, state) => call<GithubIssue>('PATCH', `${repoPath}/issues/${number}`, { state }),
    async comments(number, max = 300) {
      const all: GithubComment[] = []
      for (let page = 1; all.length < max; page++) {
        const batch = await call<GithubComment[]>('GET', `${repoPath}/issues/${number}/comments?per_page=100&page=${page}`)
        all.push(...batch)
        if (batch.length < 100) break
      }
      return all.slice(0, max)
    },
    addComment: (number, body) => call<GithubComment>('POST', `${repoPath}/issues/${number}/comments`, { body }),
  }
}

/** The web address of the GitHub that GITHUB_API_BASE belongs to (api.github.com → github.com; Enterprise drops /api/v3). */
export function githubWebBase(apiBase: string): string {
  const u = apiBase.replace(/\/+$/, '')
  if (/^https:\/\/api\.github\.com$/i.test(u)) return 'https://github.com'
  return u.replace(/\/api\/v3$/i, '')
}
