import { Command, CommanderError, Option } from 'commander'
import { dirname, join } from 'node:path'
import { VERSION } from '../version.ts'
import { loadCliEnv, loadConfig, ConfigError } from '../config.ts'
import { apiClient, CliError } from './client.ts'
import { resolveTarget } from './settings.ts'
import { printJson, printTable } from './output.ts'
import { login } from './commands/login.ts'
import { addUser, listUsers } from './commands/admin-users.ts'
import {
  exportRecord, findingQuality, listFindings, listSessions, qualityTableRows, sessionTableRows, setVerdict, showSession, VERDICT_FILTERS,
} from './commands/admin-sessions.ts'
import { sync } from './commands/sync.ts'
import { query, toCsv } from './commands/query.ts'
import { pull } from './commands/pull.ts'
import { describeVerification, verifyAudit } from './commands/admin-audit.ts'
import { activityHealth, activitySync, activityTimeline, TIMELINE_FILTERS, TIMELINE_FILTER_HELP } from './commands/admin-activity.ts'
import { formatChange, formatRollback, listChanges, rollback } from './commands/admin-changes.ts'
import { progressBar, sessionsPush } from './commands/sessions-push.ts'
import { buildReportBundle, confirm, formatPreview, sendReport } from './commands/report.ts'
import { MY_REPORT_COLUMNS, myReportNews, myReportRows, myReports } from './commands/reports.ts'
import {
  conversationLines, feedbackGithub, feedbackGithubText, feedbackTableRows, listFeedback, showFeedback, updateFeedback,
} from './commands/admin-feedback.ts'
import { adminCosts, COST_GROUPS, COST_TABLE_COLUMNS, costsCsv, costsFootnote, costTableRows } from './commands/admin-costs.ts'
import {
  adminPerformance, adminQueries, adminUsage, PERFORMANCE_COLUMNS, performanceReport, QUERY_COLUMNS, QUERY_SORTS, queryTableRows, USAGE_COLUMNS, usageReport,
} from './commands/admin-insights.ts'

/**
 * The command line. Each command is a typed function in commands/; this file wires them to argv and owns
 * the exit codes: 0 on success, 1 with a one-line message for expected failures, 2 for usage errors.
 */
export function buildProgram(): Command {
  const env = loadCliEnv()
  const client = () => {
    const t = resolveTarget(env)
    return apiClient(t.url, t.token)
  }
  const program = new Command('agnes')
    .description('Agnes: tables, SQL, sessions and feedback for analysts working through Claude Code')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()

  const positiveInt = (flag: string) => (v: string) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} takes a whole number above 0`, 2)
    return n
  }

  program
    .command('serve')
    .description('start the Agnes server (configured by AGNES_* environment variables)')
    .action(async () => {
      // One process, or a primary with AGNES_WORKERS workers; serves until a signal arrives.
      const { serve } = await import('../cluster.ts')
      await serve(loadConfig())
    })

  program
    .command('login')
    .description('save the server URL and your personal access token for later commands')
    .option('--url <url>', 'the Agnes server, e.g. http://127.0.0.1:8000')
    .option('--token <token>', 'a personal access token')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await login(env, opts)
      if (opts.json) printJson(out)
      else process.stdout.write(`Logged in to ${out.url} as ${out.email}${out.is_admin ? ' (admin)' : ''}. Saved in ${out.config_file}\n`)
    })

  program
    .command('sync')
    .description('sync tables (all you may read when none are named) and wait for the result')
    .argument('[tables...]', 'table ids')
    .option('--no-wait', 'start the sync and return its job id at once')
    .option('--json', 'print JSON')
    .action(async (tables: string[], opts) => {
      const out = await sync(client(), tables, { wait: opts.wait })
      if (opts.json) printJson(out)
      else {
        process.stdout.write(`sync job ${out.job_id}: ${out.status}\n`)
        printTable(out.tables, ['table_id', 'status', 'rows', 'duration_ms', 'error'])
      }
      if (out.status === 'failed') throw new CliError(`${out.tables.filter((t) => t.status === 'error').length} table(s) failed to sync`)
    })

  program
    .command('query')
    .description('run a read-only SQL query over the tables you may read')
    .argument('<sql>', 'one SELECT statement')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'))
    .addOption(new Option('--json', 'print JSON').conflicts('csv'))
    .option('--csv', 'print CSV')
    .action(async (sql: string, opts) => {
      const out = await query(client(), sql, { limit: opts.limit })
      if (opts.json) printJson(out)
      else if (opts.csv) process.stdout.write(toCsv(out))
      else {
        printTable(out.rows.map((r) => Object.fromEntries(out.columns.map((c, i) => [c.name, r[i]]))), out.columns.map((c) => c.name))
        process.stderr.write(`${out.row_count} row(s)${out.truncated ? ' (truncated: raise --limit)' : ''} in ${out.duration_ms} ms\n`)
      }
    })

  program
    .command('pull')
    .description('download a synced table')
    .argument('<table>', 'table id')
    .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'csv']).default('parquet'))
    .option('-o, --output <file>', 'where to write it (default: TABLE.FORMAT)')
    .option('--json', 'print JSON')
    .action(async (table: string, opts) => {
      const out = await pull(client(), table, { format: opts.format, output: opts.output })
      if (opts.json) printJson(out)
      else process.stdout.write(`wrote ${out.output} (${out.bytes} bytes)\n`)
    })

  const sessions = program.command('sessions').description('your Claude Code session transcripts')
  sessions
    .command('push')
    .description('upload your Claude Code transcripts (secrets are redacted on the server); unchanged ones are skipped')
    .option('--dir <dir>', 'folder searched for *.jsonl transcripts (default: ~/.claude/projects)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const bar = process.stderr.isTTY ? progressBar(process.stderr) : null
      const out = await sessionsPush(client(), {
        dir: opts.dir ?? join(env.home, '.claude', 'projects'),
        stateFile: join(dirname(env.configFile), 'pushed.json'),
        onProgress: bar ? (p) => bar.update(p) : undefined,
      }).finally(() => bar?.clear())
      if (opts.json) printJson(out)
      else {
        const redacted = out.uploaded.reduce((n, f) => n + f.redactions, 0)
        process.stdout.write(
          `${out.dir}: uploaded ${out.counts.uploaded}${redacted ? ` (${redacted} secret(s) redacted)` : ''}, ` +
            `unchanged ${out.counts.unchanged}, failed ${out.counts.failed}\n`,
        )
      }
      for (const f of out.failed) process.stderr.write(`agnes: failed: ${f.path}: ${f.error}\n`)
      if (out.counts.failed) throw new CliError(`${out.counts.failed} transcript(s) failed to upload`)
    })

  program
    .command('report')
    .description('report a problem to your Agnes admins with the end of your current Claude Code session; shows what is sent first (--show-all: every line)')
    .requiredOption('-m, --message <text>', 'what went wrong, in your words')
    .option('--session <file>', 'the transcript to excerpt (default: the newest one of this folder under ~/.claude/projects)')
    .option('-y, --yes', 'send without asking (the preview is still printed)')
    .option('--show-all', 'print every line of the session excerpt in the preview, not a summary')
    .option('--json', 'print JSON (the preview goes to stderr)')
    .action(async (opts) => {
      const target = resolveTarget(env)
      const bundle = await buildReportBundle({ message: opts.message, session: opts.session, home: env.home, cwd: process.cwd(), pwd: process.env.PWD })
      const out = opts.json ? process.stderr : process.stdout
      out.write(formatPreview(bundle, target.url, { showAll: opts.showAll }) + '\n\n')
      if (!opts.yes) {
        if (!process.stdin.isTTY) {
          throw new CliError('nothing was sent: there is no terminal to confirm on. Check the preview above, then run the same command with --yes to send it')
        }
        if (!(await confirm('Send this report? [y/N] ', process.stdin, out))) {
          out.write('Not sent.\n')
          return
        }
      }
      const res = await sendReport(apiClient(target.url, target.token), bundle)
      if (opts.json) printJson({ ...res, excerpt: bundle.excerpt ? { turns: bundle.excerpt.turns, bytes: bundle.excerpt.bytes, session_file: bundle.session_file } : null, redactions: bundle.redactions })
      else {
        process.stdout.write(`Sent report ${res.id}.${res.duplicate_of ? ` It looks like report ${res.duplicate_of}, which is still open.` : ''}\n`)
        process.stdout.write('Follow it with `agnes reports`.\n')
      }
    })

  program
    .command('reports')
    .description('your problem reports with their status, resolution, the admins\' replies and GitHub issue; * marks news since you last looked')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const rows = await myReports(client())
      if (opts.json) return printJson(rows)
      printTable(myReportRows(rows), MY_REPORT_COLUMNS)
      const news = myReportNews(rows)
      if (news.length) process.stdout.write(news.join('\n') + '\n')
    })

  const admin = program.command('admin').description('admin commands')
  admin
    .command('audit')
    .description("the audit log's tamper-evident chain")
    .command('verify')
    .description('check that no audit row was edited, deleted or moved behind the application (exit code 1 when broken)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await verifyAudit(client())
      if (opts.json) printJson(out)
      else process.stdout.write(describeVerification(out) + '\n')
      if (!out.ok) throw new CliError('the audit chain is broken: see the line above', 1)
    })
  const activity = admin.command('activity').description('the Activity Center: health, timeline, sync grid')
  activity
    .command('health', { isDefault: true })
    .description('the health pulse')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const h = await activityHealth(client())
      if (opts.json) return printJson(h)
      process.stdout.write(`${h.status.toUpperCase()}: ${h.sentence}\n`)
      printTable(h.fields, ['label', 'value', 'color'])
    })
  const timelineCmd = activity
    .command('timeline')
    .description('audited events, newest first (follows the cursor up to --limit rows)')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'), 100)
    // The old name, kept working for scripts written against it; --limit is the one every command uses.
    .addOption(new Option('--max <n>').argParser(positiveInt('--max')).hideHelp())
    .option('--include-self-reads', 'also show your own reads of the Activity Center (hidden by default)')
    .option('--json', 'print JSON')
  for (const f of TIMELINE_FILTERS) if (f !== 'include_self_reads') timelineCmd.option(`--${f.replace(/_/g, '-')} <value>`, TIMELINE_FILTER_HELP[f])
  timelineCmd.action(async (opts) => {
    const filters: Record<string, string> = Object.fromEntries(TIMELINE_FILTERS.map((f) => [f, opts[f.replace(/_([a-z])/g, (_m: string, c: string) => c.toUpperCase())]]).filter(([, v]) => v !== undefined && typeof v === 'string'))
    if (opts.includeSelfReads) filters.include_self_reads = 'true'
    const out = await activityTimeline(client(), filters, { max: opts.max ?? opts.limit })
    if (opts.json) return printJson(out)
    printTable(out.rows, ['timestamp', 'user_email', 'client_kind', 'action', 'resource', 'result', 'duration_ms'])
    if (out.next_cursor) process.stderr.write(`more rows: raise --limit\n`)
  })
  activity
    .command('sync')
    .description('the per-table sync grid')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const g = await activitySync(client())
      if (opts.json) return printJson(g)
      printTable(g.tables, ['table_id', 'status', 'last_run_at', 'rows', 'runs_24h', 'failures_24h', 'next_expected_at', 'overdue', 'error'])
    })

  const changesCmd = admin
    .command('changes')
    .description('changes to users, tokens, groups, grants, tables, settings and templates, each with its field diff (follows the cursor up to --limit rows)')
    .option('--limit <n>', 'at most this many changes', positiveInt('--limit'), 100)
    .option('--json', 'print JSON')
  for (const f of TIMELINE_FILTERS) if (f !== 'include_self_reads') changesCmd.option(`--${f.replace(/_/g, '-')} <value>`, TIMELINE_FILTER_HELP[f])
  changesCmd.action(async (opts) => {
    const filters: Record<string, string> = Object.fromEntries(TIMELINE_FILTERS.map((f) => [f, opts[f.replace(/_([a-z])/g, (_m: string, c: string) => c.toUpperCase())]]).filter(([, v]) => typeof v === 'string'))
    const out = await listChanges(client(), filters, { max: opts.limit })
    if (opts.json) return printJson(out)
    process.stdout.write(out.rows.length ? out.rows.map(formatChange).join('\n') + '\n' : '(no changes)\n')
    if (out.next_cursor) process.stderr.write('more changes: raise --limit\n')
  })
  admin
    .command('rollback <event_id>')
    .description('put back what an audited change changed, as a new change (see `agnes admin changes` for the ids)')
    .option('--dry-run', 'show what would change, and what changed since the event, without changing anything')
    .option('--force', 'overwrite fields that changed again since the event')
    .option('--json', 'print JSON')
    .action(async (eventId: string, opts) => {
      const out = await rollback(client(), positiveInt('EVENT_ID')(eventId), { dryRun: opts.dryRun, force: opts.force })
      if (opts.json) return printJson(out)
      process.stdout.write(formatRollback(out) + '\n')
    })

  const users = admin.command('users').description('manage users')
  users
    .command('add <email>')
    .description("create a user and print their first personal access token")
    .option('--admin', 'make the user an admin')
    .option('--name <name>', 'display name')
    .option('--json', 'print JSON')
    .action(async (email: string, opts) => {
      const out = await addUser(client(), email, opts)
      if (opts.json) printJson(out)
      else process.stdout.write(`Created ${out.user.email}${out.user.is_admin ? ' (admin)' : ''} [${out.user.id}]\nToken (shown once): ${out.token}\n`)
    })
  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const rows = await listUsers(client())
      if (opts.json) printJson(rows)
      else printTable(rows, ['id', 'email', 'username', 'name', 'is_admin'])
    })

  const adminSessions = admin.command('sessions').description("the team's stored transcripts, their usage and findings")
  adminSessions
    .command('list')
    .description('stored transcripts with usage and finding counts (follows the cursor up to --limit rows)')
    .option('--user <username>', 'only this user')
    .option('--type <finding_type>', 'only sessions with a finding of this type')
    .option('--since <date>', 'sessions active on or after this date (YYYY-MM-DD or ISO time)')
    .option('--until <date>', 'sessions active on or before this date')
    .option('--sort <order>', 'recent, findings or user', 'recent')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'), 100)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await listSessions(client(), opts)
      if (opts.json) return printJson(out)
      printTable(sessionTableRows(out.rows), ['session_file', 'started_at', 'turns', 'tool_calls', 'tool_errors', 'findings'])
      if (out.next_cursor) process.stderr.write('more sessions: raise --limit\n')
    })
  adminSessions
    .command('show <session>')
    .description('one transcript (USERNAME/FILENAME): usage, processing state and findings; --json adds its events')
    .option('--json', 'print JSON')
    .action(async (session: string, opts) => {
      const out = await showSession(client(), session)
      if (opts.json) return printJson(out)
      const u = out.usage
      process.stdout.write(`${out.session_file}  (${out.bytes} bytes, uploaded ${out.uploaded_at})\n`)
      process.stdout.write(u ? `${u.started_at} → ${u.ended_at}: ${u.turns} turn(s), ${u.tool_calls} tool call(s), ${u.tool_errors} tool error(s)\n` : 'not processed yet\n')
      for (const p of out.processing) process.stdout.write(`${p.processor}: ${p.status}${p.up_to_date ? '' : ' (file changed since)'}${p.error ? ` — ${p.error}` : ''}\n`)
      printTable(out.findings, ['line', 'turn_index', 'finding_type', 'severity', 'excerpt'])
    })
  adminSessions
    .command('findings')
    .description('findings, newest first (follows the cursor up to --limit rows)')
    .option('--user <username>', 'only this user')
    .option('--type <finding_type>', 'tool_error, permission_denied, user_rejection, loop or abrupt_end')
    .option('--since <date>', 'events on or after this date (YYYY-MM-DD or ISO time)')
    .option('--until <date>', 'events on or before this date')
    .option('--session <session>', 'only this transcript (USERNAME/FILENAME)')
    .option('--verdict <verdict>', `${VERDICT_FILTERS.join(', ')}: export the findings with this verdict as JSON lines, with their excerpts and notes`)
    .option('--include-dismissed', 'list dismissed findings too')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'), 100)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await listFindings(client(), opts)
      if (opts.json) return printJson(out)
      if (opts.verdict) {
        for (const f of out.rows) process.stdout.write(JSON.stringify(exportRecord(f)) + '\n')
      } else {
        printTable(out.rows.map((f) => ({ ...f, verdict: f.verdict?.verdict ?? '' })), ['id', 'detected_at', 'session_file', 'line', 'finding_type', 'verdict', 'excerpt'])
      }
      if (out.next_cursor) process.stderr.write('more findings: raise --limit\n')
    })
  adminSessions
    .command('verdict <finding_id> <verdict>')
    .description('confirm or dismiss a finding (confirmed, dismissed; clear takes a verdict back), with an optional note')
    .option('--note <text>', 'why (secrets in it are redacted)')
    .option('--json', 'print JSON')
    .action(async (id: string, verdict: string, opts) => {
      const f = await setVerdict(client(), id, verdict, opts.note)
      if (opts.json) return printJson(f)
      process.stdout.write(`${f.session_file} line ${f.line} (${f.finding_type}): ${f.verdict ? f.verdict.verdict : 'no verdict'}\n`)
    })
  adminSessions
    .command('quality')
    .description('precision of each finding type on this instance (confirmed / (confirmed + dismissed)), and the LLM judge')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const q = await findingQuality(client())
      if (opts.json) return printJson(q)
      printTable(qualityTableRows(q.types), ['finding_type', 'findings', 'confirmed', 'dismissed', 'unreviewed', 'precision', 'judge'])
      const j = q.judge
      process.stdout.write(j.enabled ? `LLM judge: ${j.model}, ${j.tokens_today} of ${j.daily_token_budget} tokens today${j.budget_stop ? ' (stopped by the budget)' : ''}\n` : `${j.off_reason}\n`)
    })

  const adminFeedback = admin.command('feedback').description("the team's problem reports")
  adminFeedback
    .command('list')
    .description('reports, open and triaged first, newest first (follows the cursor up to --limit rows)')
    .option('--status <list>', 'open, triaged, resolved, wontfix (comma-separated)')
    .option('--tag <tag>', 'only reports with this tag')
    .option('--assignee <who>', 'a user id or e-mail, me, or none')
    .option('--fingerprint <sha256>', 'only reports with this fingerprint')
    .option('--limit <n>', 'at most this many rows', (v: string) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new CliError('--limit takes a whole number above 0', 2)
      return n
    }, 100)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await listFeedback(client(), opts)
      if (opts.json) return printJson(out)
      printTable(feedbackTableRows(out.rows), ['id', 'created_at', 'status', 'reporter', 'duplicates', 'tags', 'message'])
      if (out.next_cursor) process.stderr.write('more reports: raise --limit\n')
    })
  adminFeedback
    .command('show <id>')
    .description('one report in full: message, environment, findings of its session, the excerpt and its audit events')
    .option('--json', 'print JSON')
    .action(async (id: string, opts) => {
      const r = await showFeedback(client(), id)
      if (opts.json) return printJson(r)
      const w = (l: string) => process.stdout.write(l + '\n')
      w(`${r.id}  ${r.status}${r.assignee ? ` (assigned to ${r.assignee})` : ''}  from ${r.reporter_email ?? r.reporter_user} at ${r.created_at}`)
      w(`fingerprint ${r.fingerprint}${r.duplicate_of ? `, duplicate of ${r.duplicate_of}` : ''}; ${r.duplicate_count} other report(s) share it`)
      if (r.tags.length) w(`tags: ${r.tags.join(', ')}`)
      if (r.resolution) w(`resolution: ${r.resolution}`)
      for (const l of conversationLines(r)) w(l)
      w('')
      w(r.message)
      w('')
      if (r.environment) w(`environment: ${Object.entries(r.environment).map(([k, v]) => `${k}=${v}`).join(' ')}`)
      w(`session: ${r.session_file ?? 'none'}${r.session_excerpt ? ` (excerpt of ${r.session_excerpt.length} characters; --json shows it)` : ''}`)
      if (r.findings.length) printTable(r.findings, ['line', 'turn_index', 'finding_type', 'severity', 'excerpt'])
      w(`audit events of the report: ${r.events.map((e) => `${e.action} ${e.result}`).join(', ') || 'none'}`)
    })
  adminFeedback
    .command('update <id>')
    .description('change a report: status, assignee, tags, resolution')
    .option('--status <status>', 'open, triaged, resolved or wontfix')
    .option('--assignee <who>', 'a user id or e-mail, me, or none to unassign')
    .option('--tags <a,b>', 'replace the tags (an empty string clears them)')
    .option('--resolution <text>', 'what was done (an empty string clears it)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts) => {
      const r = await updateFeedback(client(), id, opts)
      if (opts.json) return printJson(r)
      process.stdout.write(`${r.id}: ${r.status}${r.assignee ? `, assigned to ${r.assignee}` : ''}${r.tags.length ? `, tags ${r.tags.join(',')}` : ''}${r.resolution ? ` — ${r.resolution}` : ''}\n`)
    })

  adminFeedback
    .command('github <id>')
    .description('open a GitHub issue for a report, or add a +1 comment to the issue that already carries its fingerprint (--dry-run: show exactly what would be sent)')
    .option('--dry-run', 'show the title, body and labels (or the comment) and send nothing')
    .option('--include-excerpt', 'put the session excerpt into the issue (left out unless asked)')
    .option('--reopen', 'reopen the issue found for the fingerprint when it is closed')
    .option('--json', 'print JSON')
    .action(async (id: string, opts) => {
      const r = await feedbackGithub(client(), id, { dryRun: opts.dryRun, includeExcerpt: opts.includeExcerpt, reopen: opts.reopen })
      if (opts.json) return printJson(r)
      process.stdout.write(feedbackGithubText(r).join('\n') + '\n')
    })

  admin
    .command('costs')
    .description("Claude Code spend estimated from the team's uploaded transcripts, at list prices (follows the cursor up to --limit rows)")
    .addOption(new Option('--by <group>', 'group by').choices([...COST_GROUPS]).default('day'))
    .option('--since <date>', 'from this date (YYYY-MM-DD, UTC) or ISO time; default: 30 days before --until or now')
    .option('--until <date>', 'up to this date (inclusive) or ISO time')
    .option('--user-id <id>', "only this person's transcripts")
    .option('--model <model>', 'only this model, as transcripts name it')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'), 100)
    .addOption(new Option('--json', 'print JSON').conflicts('csv'))
    .option('--csv', 'print CSV')
    .action(async (opts) => {
      const out = await adminCosts(client(), { by: opts.by, since: opts.since, until: opts.until, userId: opts.userId, model: opts.model, limit: opts.limit })
      if (opts.json) return printJson(out)
      if (opts.csv) return void process.stdout.write(costsCsv(out))
      printTable(costTableRows(out), COST_TABLE_COLUMNS(out.group_by))
      process.stderr.write(`${costsFootnote(out)}\n`)
    })

  admin
    .command('usage')
    .description('who uses Agnes and whether they come back: DAU/WAU/MAU, stickiness, lifecycle, per person, and the tools Claude used')
    .option('--days <n>', 'UTC days to cover, today included', positiveInt('--days'), 30)
    .addOption(new Option('--period <period>', 'lifecycle period').choices(['day', 'week']).default('week'))
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await adminUsage(client(), { days: opts.days, period: opts.period })
      if (opts.json) return printJson(out)
      const r = usageReport(out)
      process.stdout.write(`${r.summary}\n\nPeople\n`)
      printTable(r.people, USAGE_COLUMNS.people)
      process.stdout.write(`\nLifecycle per ${out.period.lifecycle_period}\n`)
      printTable(r.lifecycle, USAGE_COLUMNS.lifecycle)
      process.stdout.write('\nTools Claude used (uploaded transcripts)\n')
      printTable(r.tools, USAGE_COLUMNS.tools)
    })
  admin
    .command('queries')
    .description('query.run calls grouped by fingerprint (the same query with other constants is one row)')
    .option('--since <time>', 'from this date (YYYY-MM-DD, UTC) or ISO time; default: 24 hours ago')
    .option('--until <time>', 'before this date or ISO time')
    .option('--user-id <id>', "only this person's calls")
    .option('--client-kind <kind>', 'only calls from cli, api, agent or web')
    .addOption(new Option('--sort <order>', 'order').choices([...QUERY_SORTS]).default('total_time'))
    .option('--limit <n>', 'at most this many fingerprints', positiveInt('--limit'), 50)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await adminQueries(client(), { since: opts.since, until: opts.until, userId: opts.userId, clientKind: opts.clientKind, sort: opts.sort, limit: opts.limit })
      if (opts.json) return printJson(out)
      printTable(queryTableRows(out), QUERY_COLUMNS)
      if (out.total_fingerprints > out.rows.length) process.stderr.write(`${out.total_fingerprints - out.rows.length} more fingerprints: raise --limit\n`)
    })
  admin
    .command('performance')
    .description('latency per route (every request, audited or not) against the previous window, scheduler jobs and the audit writer')
    .option('--since <time>', 'from this date (YYYY-MM-DD, UTC) or ISO time; default: 24 hours ago')
    .option('--until <time>', 'before this date or ISO time')
    .option('--route <template>', "also this route's p95 over time (e.g. /api/query)")
    .option('--method <method>', 'the method of --route (GET by default)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const out = await adminPerformance(client(), { since: opts.since, until: opts.until, route: opts.route, method: opts.method })
      if (opts.json) return printJson(out)
      const r = performanceReport(out)
      printTable(r.routes, PERFORMANCE_COLUMNS.routes)
      process.stdout.write('\nScheduler jobs\n')
      printTable(r.jobs, PERFORMANCE_COLUMNS.jobs)
      process.stdout.write(`\n${r.audit}\n`)
    })

  return program
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0
      return e.exitCode === 0 ? 0 : 2
    }
    if (e instanceof CliError) {
      process.stderr.write(`agnes: ${e.message}\n`)
      return e.exitCode
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`agnes: ${e.message}\n`)
      return 2
    }
    process.stderr.write(`agnes: unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\nThis is a bug; please report it with the command you ran.\n`)
    return 1
  }
}
