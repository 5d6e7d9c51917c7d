import type { FeedbackListRecord, FeedbackReportRecord } from '../../store/index.ts'

/** A report as the API shows it; the excerpt only where asked for (it can be a megabyte). */
export function presentReport(r: FeedbackReportRecord | FeedbackListRecord, opts: { excerpt?: boolean } = {}) {
  const excerpt = 'session_excerpt' in r ? r.session_excerpt : null
  return {
    id: r.id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    reporter_user: r.reporter_user,
    reporter_email: r.reporter_email,
    status: r.status,
    message: r.message,
    tags: r.tags,
    assignee: r.assignee,
    resolution: r.resolution,
    resolved_at: r.resolved_at,
    resolved_by: r.resolved_by,
    fingerprint: r.fingerprint,
    duplicate_of: r.duplicate_of,
    session_file: r.session_file,
    environment: r.environment,
    correlation_id: r.correlation_id,
    github_issue: r.github_repo && r.github_issue_number !== null
      ? { repo: r.github_repo, number: r.github_issue_number, url: r.github_issue_url, linked_at: r.github_linked_at }
      : null,
    resolved_via: r.resolved_via,
    excerpt_chars: 'excerpt_chars' in r ? r.excerpt_chars : (excerpt?.length ?? 0),
    ...('duplicate_count' in r ? { duplicate_count: r.duplicate_count } : {}),
    ...(opts.excerpt ? { session_excerpt: excerpt } : {}),
  }
}
