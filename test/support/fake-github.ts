// A stand-in for the GitHub REST API on 127.0.0.1: the issues, comments and search endpoints Agnes calls, kept in
// memory, with every request recorded. It can be told to fail (GitHub down, rate-limited, the token revoked) and to
// keep new issues out of search for a while, as GitHub's search index does.
import { createServer, type Server } from 'node:http'

export interface FakeIssue {
  number: number
  title: string
  body: string
  labels: string[]
  state: 'open' | 'closed'
  state_reason: string | null
  comments: Array<{ id: number; body: string }>
  /** Hidden from search until this many search calls have passed (GitHub's search index lags). */
  searchLag: number
}

export interface FakeGithubRequest {
  method: string
  path: string
  query: Record<string, string>
  body: any
  authorization: string | undefined
  status: number
}

export interface FakeGithub {
  url: string
  repo: string
  token: string
  issues: FakeIssue[]
  received: FakeGithubRequest[]
  /** Requests that changed something (POST, PATCH). */
  writes(): FakeGithubRequest[]
  /** The next n requests answer `status` with these headers and GitHub's error message. */
  failNext(n: number, status: number, opts?: { headers?: Record<string, string>; message?: string; matching?: (method: string, path: string) => boolean }): void
  /** Does the next matching request, then drops the connection instead of answering (the answer lost on the way). */
  loseNextAnswer(matching: (method: string, path: string) => boolean): void
  /** Closes connections without an answer (GitHub unreachable) until set back to false. */
  setDown(down: boolean): void
  /** New issues stay out of search results for this many searches. */
  setSearchLag(n: number): void
  /** Changes an issue as someone on GitHub would. */
  setState(number: number, state: 'open' | 'closed', reason?: string | null): void
  close(): Promise<void>
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}

export async function fakeGithub(opts: { repo?: string; token?: string } = {}): Promise<FakeGithub> {
  const repo = opts.repo ?? 'acme/agnes-feedback'
  const token = opts.token ?? 'ghp_fake_token_for_tests'
  const issues: FakeIssue[] = []
  const received: FakeGithubRequest[] = []
  let failures: Array<{ status: number; headers: Record<string, string>; message: string; matching?: (m: string, p: string) => boolean }> = []
  let down = false
  let lose: Array<(m: string, p: string) => boolean> = []
  let searchLag = 0
  let nextComment = 1000
  let base = ''

  const present = (i: FakeIssue) => ({
    number: i.number, title: i.title, body: i.body, state: i.state, state_reason: i.state_reason,
    labels: i.labels.map((name) => ({ name })), html_url: `${base}/${repo}/issues/${i.number}`, comments: i.comments.length,
  })

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      let body: any = null
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null
      } catch {
        body = null
      }
      const rec: FakeGithubRequest = {
        method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), body, authorization: req.headers.authorization, status: 0,
      }
      received.push(rec)
      if (down) {
        rec.status = -1
        req.socket.destroy()
        return
      }
      const send = (status: number, out: unknown, headers: Record<string, string> = {}) => {
        rec.status = status
        const l = lose.findIndex((x) => x(rec.method, rec.path))
        if (l >= 0 && status < 400) {
          lose.splice(l, 1)
          rec.status = -2
          req.socket.destroy()
          return
        }
        json(res, status, out, headers)
      }
      const f = failures.findIndex((x) => !x.matching || x.matching(rec.method, rec.path))
      if (f >= 0) {
        const [fail] = failures.splice(f, 1)
        return send(fail.status, { message: fail.message, documentation_url: 'https://docs.github.com/rest' }, fail.headers)
      }
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Bad credentials' })

      const prefix = `/repos/${repo}`
      const m = u.pathname.startsWith(prefix) ? u.pathname.slice(prefix.length) : null
      if (req.method === 'GET' && u.pathname === '/search/issues') {
        const q = u.searchParams.get('q') ?? ''
        const phrases = [...q.matchAll(/"([^"]+)"/g)].map((x) => x[1])
        const items = issues.filter((i) => {
          if (i.searchLag > 0) {
            i.searchLag--
            return false
          }
          return q.includes(`repo:${repo}`) && phrases.every((p) => i.body.includes(p))
        })
        return send(200, { total_count: items.length, incomplete_results: false, items: items.map(present) })
      }
      if (m === '' && req.method === 'GET') return send(200, { full_name: repo, has_issues: true })
      if (m === '/issues' && req.method === 'GET') {
        const label = u.searchParams.get('labels')
        const state = u.searchParams.get('state') ?? 'open'
        const list = issues
          .filter((i) => (!label || i.labels.includes(label)) && (state === 'all' || i.state === state))
          .sort((a, b) => b.number - a.number)
          .slice(0, Number(u.searchParams.get('per_page') ?? 30))
        return send(200, list.map(present))
      }
      if (m === '/issues' && req.method === 'POST') {
        if (!body?.title) return send(422, { message: 'Validation Failed' })
        const issue: FakeIssue = {
          number: issues.length + 1, title: body.title, body: body.body ?? '', labels: body.labels ?? [], state: 'open', state_reason: null, comments: [], searchLag,
        }
        issues.push(issue)
        return send(201, present(issue))
      }
      const one = m?.match(/^\/issues\/(\d+)(\/comments)?$/)
      if (one) {
        const issue = issues.find((i) => i.number === Number(one[1]))
        if (!issue) return send(404, { message: 'Not Found' })
        if (!one[2] && req.method === 'GET') return send(200, present(issue))
        if (!one[2] && req.method === 'PATCH') {
          if (body?.state === 'open' || body?.state === 'closed') {
            issue.state = body.state
            issue.state_reason = body.state === 'open' ? 'reopened' : (body.state_reason ?? 'completed')
          }
          return send(200, present(issue))
        }
        if (one[2] && req.method === 'GET') {
          const per = Number(u.searchParams.get('per_page') ?? 30)
          const page = Number(u.searchParams.get('page') ?? 1)
          return send(200, issue.comments.slice((page - 1) * per, page * per).map((c) => ({ id: c.id, body: c.body, html_url: `${base}/${repo}/issues/${issue.number}#issuecomment-${c.id}` })))
        }
        if (one[2] && req.method === 'POST') {
          const c = { id: nextComment++, body: String(body?.body ?? '') }
          issue.comments.push(c)
          return send(201, { id: c.id, body: c.body, html_url: `${base}/${repo}/issues/${issue.number}#issuecomment-${c.id}` })
        }
      }
      send(404, { message: 'Not Found' })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return {
    url: base,
    repo,
    token,
    issues,
    received,
    writes: () => received.filter((r) => r.method === 'POST' || r.method === 'PATCH'),
    failNext: (n, status, o = {}) => {
      for (let i = 0; i < n; i++) failures.push({ status, headers: o.headers ?? {}, message: o.message ?? `HTTP ${status}`, matching: o.matching })
    },
    loseNextAnswer: (matching) => void lose.push(matching),
    setDown: (d) => void (down = d),
    setSearchLag: (n) => void (searchLag = n),
    setState: (number, state, reason = null) => {
      const i = issues.find((x) => x.number === number)
      if (!i) throw new Error(`no issue ${number}`)
      i.state = state
      i.state_reason = reason
    },
    close: () => {
      failures = []
      server.closeAllConnections()
      return new Promise((r) => server.close(() => r()))
    },
  }
}
