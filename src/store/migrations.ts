import type { Migration } from './migrate.ts'

/**
 * The schema of both stores, oldest first: DuckDB and PostgreSQL run these statements verbatim
 * (only types both understand: DOUBLE PRECISION, explicit sequences for BIGINT ids, JSON); `only`
 * holds the rare statement one engine needs alone.
 * test/store/migrations.test.ts checks the two engines end with the same tables, columns and indexes.
 * Never edit a released migration: add a new one.
 * No foreign keys: DuckDB cannot cascade and refuses updates of referenced rows, so repositories
 * remove dependent rows themselves, in one transaction.
 * JSON columns: DuckDB's JSON; on PostgreSQL JSONB since version 6 (stored parsed, so it can be indexed
 * and queried inside later). JSONB prints keys in its own order and with a space after `:` and `,`; the
 * timeline's `q` ignores spaces, so it finds the same rows on both engines (store/repositories/activity.ts).
 * JSONB refuses `\u0000`, so repositories write JSON through toJsonColumn() (repositories/json.ts).
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'core: users, tokens, groups, grants, config, templates, audit',
    statements: [
      `CREATE TABLE users (
        id VARCHAR PRIMARY KEY,
        email VARCHAR NOT NULL UNIQUE,
        username VARCHAR NOT NULL UNIQUE,
        name VARCHAR,
        is_admin BOOLEAN NOT NULL DEFAULT false,
        password_hash VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE personal_access_tokens (
        id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        name VARCHAR,
        token_hash VARCHAR NOT NULL UNIQUE,
        token_prefix VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
      )`,
      `CREATE INDEX pat_user ON personal_access_tokens (user_id)`,
      `CREATE TABLE user_groups (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        description VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE user_group_members (
        group_id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (group_id, user_id)
      )`,
      `CREATE TABLE resource_grants (
        id VARCHAR PRIMARY KEY,
        group_id VARCHAR NOT NULL,
        resource VARCHAR NOT NULL,
        permission VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (group_id, resource, permission)
      )`,
      `CREATE TABLE instance_config (
        key VARCHAR PRIMARY KEY,
        value JSON,
        updated_at TIMESTAMPTZ NOT NULL,
        updated_by VARCHAR
      )`,
      `CREATE TABLE instance_templates (
        name VARCHAR PRIMARY KEY,
        content VARCHAR NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        updated_by VARCHAR
      )`,
      `CREATE SEQUENCE audit_log_id_seq START 1`,
      `CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
        timestamp TIMESTAMPTZ NOT NULL,
        user_id VARCHAR,
        user_email VARCHAR,
        action VARCHAR NOT NULL,
        resource VARCHAR,
        params JSON,
        params_before JSON,
        result VARCHAR NOT NULL,
        duration_ms DOUBLE PRECISION,
        client_ip VARCHAR,
        client_kind VARCHAR NOT NULL,
        correlation_id VARCHAR NOT NULL
      )`,
      `CREATE TABLE web_sessions (
        id_hash VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        csrf_token VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'audit_log indexes for the timeline',
    statements: [
      `CREATE INDEX audit_ts ON audit_log (timestamp)`,
      `CREATE INDEX audit_user_ts ON audit_log (user_id, timestamp)`,
      `CREATE INDEX audit_action_ts ON audit_log (action, timestamp)`,
      `CREATE INDEX audit_correlation ON audit_log (correlation_id)`,
    ],
  },
  {
    version: 3,
    name: 'data plane: table registry, sync jobs and history, locks, session uploads, scripts',
    statements: [
      `CREATE TABLE data_tables (
        id VARCHAR PRIMARY KEY,
        source JSON NOT NULL,
        sync_interval_minutes INTEGER,
        description VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        created_by VARCHAR
      )`,
      `CREATE TABLE sync_jobs (
        id VARCHAR PRIMARY KEY,
        status VARCHAR NOT NULL,
        tables JSON NOT NULL,
        requested_by VARCHAR,
        client_kind VARCHAR NOT NULL,
        correlation_id VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        error VARCHAR
      )`,
      `CREATE SEQUENCE sync_history_id_seq START 1`,
      `CREATE TABLE sync_history (
        id BIGINT PRIMARY KEY DEFAULT nextval('sync_history_id_seq'),
        table_id VARCHAR NOT NULL,
        job_id VARCHAR,
        synced_at TIMESTAMPTZ NOT NULL,
        rows BIGINT,
        duration_ms DOUBLE PRECISION,
        status VARCHAR NOT NULL,
        error VARCHAR
      )`,
      `CREATE INDEX sync_history_table_ts ON sync_history (table_id, synced_at)`,
      `CREATE INDEX sync_history_job ON sync_history (job_id)`,
      `CREATE TABLE locks (
        name VARCHAR PRIMARY KEY,
        holder VARCHAR NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE session_uploads (
        session_file VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        username VARCHAR NOT NULL,
        filename VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        sha256 VARCHAR NOT NULL,
        redactions INTEGER NOT NULL,
        redaction_kinds JSON,
        uploaded_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX session_uploads_user ON session_uploads (username, uploaded_at)`,
      `CREATE TABLE scripts (
        id VARCHAR PRIMARY KEY,
        sql VARCHAR NOT NULL,
        schedule VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        created_by VARCHAR,
        next_run_at TIMESTAMPTZ,
        last_run_at TIMESTAMPTZ,
        last_status VARCHAR,
        last_error VARCHAR
      )`,
    ],
  },
  {
    version: 4,
    name: 'session pipeline state and findings; shared read-dedup windows and cached figures',
    statements: [
      `CREATE TABLE session_processor_state (
        processor VARCHAR NOT NULL,
        session_file VARCHAR NOT NULL,
        file_sha256 VARCHAR NOT NULL,
        file_bytes BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        items INTEGER NOT NULL DEFAULT 0,
        error VARCHAR,
        processed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (processor, session_file)
      )`,
      `CREATE SEQUENCE session_findings_id_seq START 1`,
      `CREATE TABLE session_findings (
        id BIGINT PRIMARY KEY DEFAULT nextval('session_findings_id_seq'),
        session_file VARCHAR NOT NULL,
        username VARCHAR NOT NULL,
        finding_type VARCHAR NOT NULL,
        turn_index INTEGER NOT NULL,
        line INTEGER NOT NULL,
        severity VARCHAR NOT NULL,
        excerpt VARCHAR,
        detected_at TIMESTAMPTZ NOT NULL,
        occurred_at TIMESTAMPTZ
      )`,
      `CREATE INDEX session_findings_file ON session_findings (session_file)`,
      `CREATE INDEX session_findings_type_ts ON session_findings (finding_type, detected_at)`,
      `CREATE TABLE session_usage (
        session_file VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        started_at TIMESTAMPTZ,
        ended_at TIMESTAMPTZ,
        turns INTEGER NOT NULL,
        tool_calls INTEGER NOT NULL,
        tool_errors INTEGER NOT NULL,
        tools JSON,
        tokens JSON,
        models JSON,
        active_seconds DOUBLE PRECISION,
        claude_version VARCHAR,
        malformed_lines INTEGER NOT NULL DEFAULT 0,
        processed_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE dedup_windows (
        key VARCHAR PRIMARY KEY,
        expires_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE cached_values (
        key VARCHAR PRIMARY KEY,
        value JSON NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'feedback reports, admin Telegram links, notification outbox',
    statements: [
      `CREATE TABLE feedback_reports (
        id VARCHAR PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL,
        reporter_user VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        session_excerpt VARCHAR,
        session_file VARCHAR,
        environment JSON,
        fingerprint VARCHAR NOT NULL,
        duplicate_of VARCHAR,
        status VARCHAR NOT NULL,
        assignee VARCHAR,
        tags JSON,
        resolution VARCHAR,
        resolved_at TIMESTAMPTZ,
        resolved_by VARCHAR,
        correlation_id VARCHAR,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX feedback_status_ts ON feedback_reports (status, created_at)`,
      `CREATE INDEX feedback_fingerprint ON feedback_reports (fingerprint)`,
      `CREATE INDEX feedback_reporter ON feedback_reports (reporter_user, created_at)`,
      `CREATE TABLE telegram_links (
        user_id VARCHAR PRIMARY KEY,
        chat_id VARCHAR NOT NULL,
        linked_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE notifications (
        id VARCHAR PRIMARY KEY,
        channel VARCHAR NOT NULL,
        user_id VARCHAR,
        chat_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        report_ids JSON,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        last_error VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        sent_at TIMESTAMPTZ
      )`,
      `CREATE INDEX notifications_due ON notifications (status, next_attempt_at)`,
    ],
  },
  {
    version: 6,
    name: 'PostgreSQL: JSON columns become JSONB',
    statements: [],
    only: {
      postgres: [
        ['instance_config', 'value'], ['audit_log', 'params'], ['audit_log', 'params_before'], ['data_tables', 'source'],
        ['sync_jobs', 'tables'], ['session_uploads', 'redaction_kinds'], ['session_usage', 'tools'], ['session_usage', 'tokens'],
        ['session_usage', 'models'], ['cached_values', 'value'], ['feedback_reports', 'environment'], ['feedback_reports', 'tags'],
        ['notifications', 'report_ids'],
      ].map(([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE JSONB USING ${jsonbFrom(column)}`),
    },
  },
  {
    version: 7,
    name: 'feedback reports remember when their notifications were queued',
    statements: [
      // NULL until the report's notifications are in the outbox; the outbox job queues those a crash left out.
      `ALTER TABLE feedback_reports ADD COLUMN notified_at TIMESTAMPTZ`,
      // Reports filed before this version were handled (or not) by the code of their time.
      `UPDATE feedback_reports SET notified_at = created_at`,
    ],
  },
  {
    version: 8,
    name: 'sign-in: login throttle counters; usernames never handed out twice',
    statements: [
      // One row per throttled key ('account:<e-mail>' or 'address:<ip>'), shared by every worker. Times are epoch
      // milliseconds, so both engines do the delay arithmetic in the same integer SQL (repositories/login-throttle.ts).
      `CREATE TABLE login_throttle (
        key VARCHAR PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_attempt_ms BIGINT NOT NULL,
        blocked_until_ms BIGINT NOT NULL
      )`,
      // Every username a deleted user had: its transcripts folder and rows stay theirs, so no new user may get it.
      `CREATE TABLE retired_usernames (
        username VARCHAR PRIMARY KEY,
        user_id VARCHAR,
        retired_at TIMESTAMPTZ NOT NULL
      )`,
      // Users deleted before this version left their username on transcripts, findings and usage rows.
      `INSERT INTO retired_usernames (username, user_id, retired_at)
       SELECT n.username, (SELECT max(s.user_id) FROM session_uploads s WHERE s.username = n.username), CURRENT_TIMESTAMP
       FROM (SELECT username FROM session_uploads UNION SELECT username FROM session_usage UNION SELECT username FROM session_findings) n
       WHERE n.username NOT IN (SELECT username FROM users)`,
    ],
  },
  {
    version: 9,
    name: 'saved views: named Activity Center filter sets, private or shared with the other admins',
    statements: [
      `CREATE TABLE saved_views (
        id VARCHAR PRIMARY KEY,
        owner_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        filters JSON NOT NULL,
        shared BOOLEAN NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      // One name per owner, so "open my 'failed syncs' view" means one thing.
      `CREATE UNIQUE INDEX saved_views_owner_name ON saved_views (owner_id, name)`,
    ],
    only: { postgres: [`ALTER TABLE saved_views ALTER COLUMN filters TYPE JSONB`] },
  },
  {
    version: 10,
    name: 'change states: the exact states before and after each reversible change, for rollback',
    statements: [
      // Audit params are capped (256 characters) and redacted, so they cannot restore a long SQL source or template.
      // Each reversible change keeps its full before and after state here, under the sha256 of its canonical JSON
      // (the audit row's params carry that hash as state_sha256); one state reached twice is kept once.
      // last_used_at is the newest audit row that refers to it, so a state outlives every row that needs it.
      `CREATE TABLE change_states (
        sha256 VARCHAR PRIMARY KEY,
        state JSON NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_used_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX change_states_last_used ON change_states (last_used_at)`,
    ],
    only: { postgres: [`ALTER TABLE change_states ALTER COLUMN state TYPE JSONB`] },
  },
  {
    version: 11,
    name: 'tamper-evident audit log: each row hashed onto the one committed before it',
    statements: [
      // chain_seq is the commit order (rows of earlier versions stay NULL: before the chain); row_hash is
      // sha256(previous row_hash + the row's canonical form), computed by repositories/audit.ts.
      `ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT`,
      `ALTER TABLE audit_log ADD COLUMN row_hash VARCHAR`,
      `CREATE INDEX audit_chain_seq ON audit_log (chain_seq)`,
      // The chain's head, outside audit_log: one row, locked by every insert so workers chain in commit order.
      // The anchor is where the chain starts now: the genesis, or the last row a retention purge removed.
      `CREATE TABLE audit_chain (
        id INTEGER PRIMARY KEY,
        seq BIGINT NOT NULL,
        head VARCHAR NOT NULL,
        anchor_seq BIGINT NOT NULL,
        anchor_hash VARCHAR NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `INSERT INTO audit_chain (id, seq, head, anchor_seq, anchor_hash, updated_at)
       VALUES (1, 0, '${'0'.repeat(64)}', 0, '${'0'.repeat(64)}', CURRENT_TIMESTAMP)`,
    ],
  },
  {
    version: 12,
    name: 'costs: every API response of every transcript with its final token counts, priced when read',
    statements: [
      // One row per response and transcript (src/sessions/costs/responses.ts). A response repeated in several
      // transcripts (resumed, compacted, uploaded twice) has a row in each, and reads count the copy in the
      // transcript that started first, then ended first (repositories/costs.ts). No primary key: the processor
      // replaces a transcript's rows by delete + insert in one transaction, which DuckDB's index checks can refuse
      // on a unique key.
      `CREATE TABLE cost_responses (
        session_file VARCHAR NOT NULL,
        response_key VARCHAR NOT NULL,
        username VARCHAR NOT NULL,
        session_id VARCHAR,
        subagent_file BOOLEAN NOT NULL,
        sidechain BOOLEAN NOT NULL,
        project VARCHAR,
        model VARCHAR NOT NULL,
        occurred_at TIMESTAMPTZ,
        day VARCHAR,
        file_started_at TIMESTAMPTZ,
        file_ended_at TIMESTAMPTZ,
        line INTEGER NOT NULL,
        input_tokens BIGINT NOT NULL,
        output_tokens BIGINT NOT NULL,
        cache_creation_tokens BIGINT NOT NULL,
        cache_creation_1h_tokens BIGINT NOT NULL,
        cache_read_tokens BIGINT NOT NULL,
        speed VARCHAR,
        inference_geo VARCHAR,
        transcript_cost_usd DOUBLE PRECISION,
        processed_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX cost_responses_file ON cost_responses (session_file)`,
      `CREATE INDEX cost_responses_time ON cost_responses (occurred_at)`,
    ],
  },
  {
    version: 13,
    name: 'request latency: per-minute histograms of every request by method, route template and status class',
    statements: [
      // One row per minute, method, route template and status class (2xx…5xx), added to by every worker with one
      // upsert per key and flush (src/web/plugins/request-metrics.ts). b0…b14 count requests per latency bucket, not
      // cumulatively; the bounds (ms) are 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 and
      // above (repositories/request-metrics.ts). Route templates are a closed set (unmatched URLs share one), so a
      // minute holds a bounded number of rows; the retention job removes minutes older than the audit log's retention.
      `CREATE TABLE request_metrics (
        minute TIMESTAMPTZ NOT NULL,
        method VARCHAR NOT NULL,
        route VARCHAR NOT NULL,
        status_class VARCHAR NOT NULL,
        requests BIGINT NOT NULL,
        duration_ms_sum DOUBLE PRECISION NOT NULL,
        b0 BIGINT NOT NULL, b1 BIGINT NOT NULL, b2 BIGINT NOT NULL, b3 BIGINT NOT NULL, b4 BIGINT NOT NULL,
        b5 BIGINT NOT NULL, b6 BIGINT NOT NULL, b7 BIGINT NOT NULL, b8 BIGINT NOT NULL, b9 BIGINT NOT NULL,
        b10 BIGINT NOT NULL, b11 BIGINT NOT NULL, b12 BIGINT NOT NULL, b13 BIGINT NOT NULL, b14 BIGINT NOT NULL,
        PRIMARY KEY (minute, method, route, status_class)
      )`,
      // The same counts since the first request, never purged: GET /metrics serves them as Prometheus counters,
      // which must not go down when old minutes are deleted. One row per method, route template and status class.
      `CREATE TABLE request_metrics_totals (
        method VARCHAR NOT NULL,
        route VARCHAR NOT NULL,
        status_class VARCHAR NOT NULL,
        requests BIGINT NOT NULL,
        duration_ms_sum DOUBLE PRECISION NOT NULL,
        b0 BIGINT NOT NULL, b1 BIGINT NOT NULL, b2 BIGINT NOT NULL, b3 BIGINT NOT NULL, b4 BIGINT NOT NULL,
        b5 BIGINT NOT NULL, b6 BIGINT NOT NULL, b7 BIGINT NOT NULL, b8 BIGINT NOT NULL, b9 BIGINT NOT NULL,
        b10 BIGINT NOT NULL, b11 BIGINT NOT NULL, b12 BIGINT NOT NULL, b13 BIGINT NOT NULL, b14 BIGINT NOT NULL,
        PRIMARY KEY (method, route, status_class)
      )`,
    ],
  },
  {
    version: 14,
    name: 'finding verdicts from admins; the opt-in LLM judge: its calls (cache, tokens, cost) and its judgements',
    statements: [
      // An admin's verdict on a finding, keyed as the finding is found again (transcript, type, line): failure_scan
      // replaces a transcript's findings on every re-scan, and a verdict re-attaches to the same place. Transcripts only
      // grow (Claude Code appends), so an earlier line keeps its number when the file is uploaded again.
      `CREATE TABLE finding_verdicts (
        session_file VARCHAR NOT NULL,
        finding_type VARCHAR NOT NULL,
        line INTEGER NOT NULL,
        username VARCHAR NOT NULL,
        verdict VARCHAR NOT NULL,
        note VARCHAR,
        file_sha256 VARCHAR,
        decided_by VARCHAR,
        decided_by_email VARCHAR,
        decided_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (session_file, finding_type, line)
      )`,
      // One row per request to the LLM, keyed as it is cached: the stored file's hash, the prompt's version, the model.
      // Tokens and cost are the provider's own figures; the daily token budget sums them since midnight UTC.
      `CREATE TABLE llm_judge_calls (
        file_sha256 VARCHAR NOT NULL,
        prompt_version VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        session_file VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        findings_sent INTEGER NOT NULL,
        input_tokens BIGINT NOT NULL,
        output_tokens BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION,
        error VARCHAR,
        judged_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (file_sha256, prompt_version, model)
      )`,
      `CREATE INDEX llm_judge_calls_time ON llm_judge_calls (judged_at)`,
      // What one call answered, per finding (label real_failure, false_alarm or unsure) and per failure the scan missed
      // (label missed). No primary key: a call's rows are replaced by delete + insert in one transaction.
      `CREATE TABLE llm_judgements (
        file_sha256 VARCHAR NOT NULL,
        prompt_version VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        finding_type VARCHAR NOT NULL,
        line INTEGER NOT NULL,
        label VARCHAR NOT NULL,
        root_cause VARCHAR,
        explanation VARCHAR,
        judged_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX llm_judgements_file ON llm_judgements (file_sha256)`,
    ],
  },
  {
    version: 15,
    name: 'feedback: GitHub issues of reports, internal notes and replies, what the reporter has been told',
    statements: [
      // One row per GitHub issue reports are linked to: its last known state, so the webhook and the github_sync job
      // act on a change once (src/integrations/github/sync.ts).
      `CREATE TABLE github_issues (
        repo VARCHAR NOT NULL,
        number INTEGER NOT NULL,
        url VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        state_reason VARCHAR,
        linked_at TIMESTAMPTZ NOT NULL,
        state_changed_at TIMESTAMPTZ,
        checked_at TIMESTAMPTZ,
        PRIMARY KEY (repo, number)
      )`,
      `ALTER TABLE feedback_reports ADD COLUMN github_repo VARCHAR`,
      `ALTER TABLE feedback_reports ADD COLUMN github_issue_number INTEGER`,
      `ALTER TABLE feedback_reports ADD COLUMN github_issue_url VARCHAR`,
      `ALTER TABLE feedback_reports ADD COLUMN github_linked_at TIMESTAMPTZ`,
      // 'github' when the report was closed because its issue was: reopening the issue reopens only those.
      `ALTER TABLE feedback_reports ADD COLUMN resolved_via VARCHAR`,
      // The last change the reporter should hear of (a reply, a resolution), and when they last looked.
      `ALTER TABLE feedback_reports ADD COLUMN reporter_update_at TIMESTAMPTZ`,
      `ALTER TABLE feedback_reports ADD COLUMN reporter_seen_at TIMESTAMPTZ`,
      `CREATE INDEX feedback_github_issue ON feedback_reports (github_repo, github_issue_number)`,
      // Internal notes (admins only) and replies to the reporter, oldest first per report.
      `CREATE TABLE feedback_comments (
        id VARCHAR PRIMARY KEY,
        report_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        author_user VARCHAR,
        body VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE INDEX feedback_comments_report ON feedback_comments (report_id, created_at)`,
    ],
  },
  {
    version: 16,
    name: 'the audit writer\'s commits and refused writes per minute; each request minute\'s slowest request and its correlation id',
    statements: [
      // Per minute: batches the audit writer committed and their rows, and writes the store refused (added with the
      // first commit after them, since the store is what failed). Every worker adds to the same minute row inside the
      // transaction that commits its batch, so the Performance view's figures are the instance's. Purged with the
      // audit log's retention.
      `CREATE TABLE audit_writes (
        minute TIMESTAMPTZ PRIMARY KEY,
        batches BIGINT NOT NULL,
        rows BIGINT NOT NULL,
        failed_batches BIGINT NOT NULL,
        failed_rows BIGINT NOT NULL
      )`,
      // The slowest request of the minute and key, so a slow route's examples lead to their audit rows (the timeline
      // by correlation_id); NULL on minutes counted before this version.
      `ALTER TABLE request_metrics ADD COLUMN slowest_ms DOUBLE PRECISION`,
      `ALTER TABLE request_metrics ADD COLUMN slowest_correlation_id VARCHAR`,
    ],
  },
  {
    version: 17,
    name: 'the audit chain\'s head appended by each DuckDB batch, so two batches can be in flight',
    statements: [
      // On DuckDB each batch appends its last row's place and hash here in the transaction that commits it: two
      // batches in flight would conflict updating audit_chain's one row. The newest row is the head (with
      // audit_chain's, whichever is further); older ones are deleted from time to time. PostgreSQL's workers keep
      // moving audit_chain's row, whose lock orders them, and leave this table empty.
      `CREATE TABLE audit_chain_heads (
        seq BIGINT NOT NULL,
        head VARCHAR NOT NULL,
        committed_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
]

/**
 * The JSONB value of a JSON column's text. JSONB refuses the escape `\u0000` (a NUL character), which JSON
 * accepted, so an escaped NUL (one not itself preceded by an escaping backslash) becomes U+FFFD, as
 * toJsonColumn() does for new rows.
 */
function jsonbFrom(column: string): string {
  return `CAST(regexp_replace(CAST(${column} AS TEXT), '(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000', '\\1\\\\ufffd', 'g') AS JSONB)`
}
