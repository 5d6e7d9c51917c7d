import type { Db } from '../db.ts'

/**
 * One API response of one stored transcript (`cost_responses`), as the `costs` processor found it: its final
 * token counts per kind and what it needs to be priced and grouped. A response repeated in several transcripts
 * (a resumed or compacted session, a file uploaded twice) has a row in each; reads count it once (see COUNTED).
 */
export interface CostResponseRecord {
  session_file: string
  /** `<message id>:<request id>` (see sessions/costs/responses.ts); the same in every copy of the response. */
  response_key: string
  username: string
  /** The transcript's session id on the response's line: a subagent's lines carry their parent session's. */
  session_id: string | null
  /** The row comes from a subagent transcript (agent-*.jsonl). */
  subagent_file: boolean
  sidechain: boolean
  /** The transcript's working directory. */
  project: string | null
  model: string
  occurred_at: string | null
  /** The UTC day of occurred_at (YYYY-MM-DD): what prices and daily rows go by. */
  day: string | null
  /**
   * The earliest and latest times in the row's transcript: of several copies of a response, the one in the
   * transcript that started first counts, and between two that start together (a resumed session's file repeats
   * the original's first lines) the one that ended first: the original.
   */
  file_started_at: string | null
  file_ended_at: string | null
  line: number
  input_tokens: number
  output_tokens: number
  cache_creation_tokens: number
  cache_creation_1h_tokens: number
  cache_read_tokens: number
  speed: string | null
  inference_geo: string | null
  /** `costUSD` the transcript wrote itself, when it did. */
  transcript_cost_usd: number | null
  processed_at: string
}

const COLS = [
  'session_file', 'response_key', 'username', 'session_id', 'subagent_file', 'sidechain', 'project', 'model', 'occurred_at', 'day',
  'file_started_at', 'file_ended_at', 'line', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_creation_1h_tokens',
  'cache_read_tokens', 'speed', 'inference_geo', 'transcript_cost_usd', 'processed_at',
] as const satisfies ReadonlyArray<keyof CostResponseRecord>

const INSERT_CHUNK = 100

/**
 * Each response once: of its copies, the one in the transcript that started first, then ended first, then by file
 * name, so the original session keeps a response a resumed one repeats, whichever file was processed first.
 */
const COUNTED = `(SELECT * FROM (
    SELECT c.*, ROW_NUMBER() OVER (
      PARTITION BY c.response_key ORDER BY c.file_started_at ASC NULLS LAST, c.file_ended_at ASC NULLS LAST, c.session_file
    ) AS copy_rank
    FROM cost_responses c
  ) ranked WHERE copy_rank = 1)`

/** What a costs read groups by besides model, day and pricing keys. */
export type CostDimension = 'none' | 'user' | 'model' | 'project' | 'session'

const DIMENSION: Record<CostDimension, string> = {
  none: `CAST(NULL AS VARCHAR)`,
  user: 'r.username',
  model: 'r.model',
  project: 'r.project',
  // Subagent transcripts carry their parent's session id, so they join their parent's row.
  session: `CASE WHEN r.session_id IS NULL THEN 'file:' || r.session_file ELSE r.session_id END`,
}

export interface CostFilters {
  /** Responses at or after this instant; before `untilIso` (exclusive). */
  sinceIso?: string
  untilIso?: string
  /** Responses of this user's transcripts (by id; also a deleted user's, by their retired username). */
  userId?: string
  /** Exactly this model name, as the transcripts write it. */
  model?: string
  /** Only these session groups (keys as `aggregate('session', …)` gives them). */
  sessionKeys?: string[]
}

/** Token sums of counted responses sharing a group, model, UTC day and pricing circumstances. */
export interface CostAggregateRow {
  dim: string | null
  model: string
  day: string | null
  speed: string | null
  inference_geo: string | null
  /** How many of the given prompt thresholds the responses' prompts exceeded. */
  band: number
  /** Whether the transcripts wrote their own costUSD for these responses. */
  has_transcript_cost: boolean
  responses: number
  input_tokens: number
  output_tokens: number
  cache_creation_tokens: number
  cache_creation_1h_tokens: number
  cache_read_tokens: number
  transcript_cost_usd: number
}

/** A session group (a transcript with its subagents' transcripts) as the costs read names it. */
export interface CostSessionRow {
  dim: string
  /** The main transcript of the session, else its first subagent transcript. */
  session_file: string
  session_id: string | null
  username: string
  project: string | null
  first_at: string | null
  last_at: string | null
  files: number
}

function whereFor(f: CostFilters, p: (v: unknown) => string): string[] {
  const where: string[] = []
  if (f.sinceIso !== undefined) where.push(`r.occurred_at >= ${p(f.sinceIso)}`)
  if (f.untilIso !== undefined) where.push(`r.occurred_at < ${p(f.untilIso)}`)
  if (f.userId !== undefined) {
    const id = p(f.userId)
    where.push(`r.username IN (SELECT username FROM users WHERE id = ${id} UNION SELECT username FROM retired_usernames WHERE user_id = ${id})`)
  }
  if (f.model !== undefined) where.push(`r.model = ${p(f.model)}`)
  if (f.sessionKeys !== undefined) where.push(f.sessionKeys.length ? `${DIMENSION.session} IN (${f.sessionKeys.map((k) => p(k)).join(', ')})` : 'FALSE')
  return where
}

function params() {
  const list: unknown[] = []
  return { list, p: (v: unknown) => `$${list.push(v)}` }
}

const num = (v: unknown) => Number(v ?? 0)

/** The `costs` processor's rows and the reads over them. Portable SQL; each response counted once in every read. */
export function costsRepository(db: Db) {
  return {
    /** Replaces every response row of one transcript with `rows`, in one transaction. */
    async replaceForFile(sessionFile: string, rows: CostResponseRecord[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(`DELETE FROM cost_responses WHERE session_file = $1`, [sessionFile])
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          const chunk = rows.slice(i, i + INSERT_CHUNK)
          const values: unknown[] = []
          const tuples = chunk.map((row) => {
            const b = values.length
            for (const c of COLS) values.push(row[c])
            return `(${COLS.map((_, k) => `$${b + k + 1}`).join(', ')})`
          })
          await tx.run(`INSERT INTO cost_responses (${COLS.join(', ')}) VALUES ${tuples.join(', ')}`, values)
        }
      })
    },

    /** A transcript's rows as stored (every copy, counted or not), in line order. */
    async forFile(sessionFile: string): Promise<CostResponseRecord[]> {
      const rows = await db.all<CostResponseRecord>(`SELECT ${COLS.join(', ')} FROM cost_responses WHERE session_file = $1 ORDER BY line, response_key`, [sessionFile])
      return rows.map((r) => ({
        ...r,
        line: num(r.line), input_tokens: num(r.input_tokens), output_tokens: num(r.output_tokens), cache_creation_tokens: num(r.cache_creation_tokens),
        cache_creation_1h_tokens: num(r.cache_creation_1h_tokens), cache_read_tokens: num(r.cache_read_tokens),
        transcript_cost_usd: r.transcript_cost_usd === null ? null : Number(r.transcript_cost_usd),
      }))
    },

    /**
     * Token sums of the counted responses matching `filters`, by `dim`, model, UTC day, speed, inference geo,
     * prompt band (how many of `thresholds` the prompt exceeded) and whether the transcript wrote a costUSD: every
     * key the price of a response depends on, so the caller can price each row exactly.
     */
    async aggregate(dim: CostDimension, filters: CostFilters, thresholds: number[]): Promise<CostAggregateRow[]> {
      const { list, p } = params()
      const prompt = 'r.input_tokens + r.cache_creation_tokens + r.cache_read_tokens'
      const band = thresholds.length ? thresholds.map((t) => `CASE WHEN ${prompt} > ${p(t)} THEN 1 ELSE 0 END`).join(' + ') : '0'
      const where = whereFor(filters, p)
      const rows = await db.all<Record<string, unknown>>(
        `SELECT dim, model, day, speed, inference_geo, band, has_transcript_cost, count(*) AS responses,
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens,
           sum(cache_creation_1h) AS cache_creation_1h_tokens, sum(cache_read_tokens) AS cache_read_tokens,
           sum(transcript_cost_usd) AS transcript_cost_usd
         FROM (
           SELECT ${DIMENSION[dim]} AS dim, r.model, r.day, r.speed, r.inference_geo,
             ${band} AS band, r.transcript_cost_usd IS NOT NULL AS has_transcript_cost, r.input_tokens, r.output_tokens, r.cache_creation_tokens,
             CASE WHEN r.cache_creation_1h_tokens > r.cache_creation_tokens THEN r.cache_creation_tokens ELSE r.cache_creation_1h_tokens END AS cache_creation_1h,
             r.cache_read_tokens, r.transcript_cost_usd
           FROM ${COUNTED} r
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ) g
         GROUP BY dim, model, day, speed, inference_geo, band, has_transcript_cost
         ORDER BY dim, model, day, speed, inference_geo, band, has_transcript_cost`,
        list,
      )
      return rows.map((r) => ({
        dim: (r.dim as string | null) ?? null,
        model: r.model as string,
        day: (r.day as string | null) ?? null,
        speed: (r.speed as string | null) ?? null,
        inference_geo: (r.inference_geo as string | null) ?? null,
        band: num(r.band),
        has_transcript_cost: r.has_transcript_cost === true,
        responses: num(r.responses),
        input_tokens: num(r.input_tokens),
        output_tokens: num(r.output_tokens),
        cache_creation_tokens: num(r.cache_creation_tokens),
        cache_creation_1h_tokens: num(r.cache_creation_1h_tokens),
        cache_read_tokens: num(r.cache_read_tokens),
        transcript_cost_usd: num(r.transcript_cost_usd),
      }))
    },

    /** What names each of the given session groups (keys as `aggregate('session', …)` gives them), over the same filters. */
    async sessionGroups(keys: string[], filters: CostFilters): Promise<CostSessionRow[]> {
      if (keys.length === 0) return []
      const { list, p } = params()
      const where = whereFor(filters, p)
      where.push(`${DIMENSION.session} IN (${keys.map((k) => p(k)).join(', ')})`)
      const rows = await db.all<Record<string, unknown>>(
        `SELECT ${DIMENSION.session} AS dim,
           COALESCE(min(CASE WHEN NOT r.subagent_file THEN r.session_file END), min(r.session_file)) AS session_file,
           min(r.session_id) AS session_id, min(r.username) AS username,
           COALESCE(min(CASE WHEN NOT r.subagent_file THEN r.project END), min(r.project)) AS project,
           min(r.occurred_at) AS first_at, max(r.occurred_at) AS last_at, count(DISTINCT r.session_file) AS files
         FROM ${COUNTED} r
         WHERE ${where.join(' AND ')}
         GROUP BY ${DIMENSION.session}
         ORDER BY dim`,
        list,
      )
      return rows.map((r) => ({
        dim: r.dim as string, session_file: r.session_file as string, session_id: (r.session_id as string | null) ?? null, username: r.username as string,
        project: (r.project as string | null) ?? null, first_at: (r.first_at as string | null) ?? null, last_at: (r.last_at as string | null) ?? null,
        files: num(r.files),
      }))
    },

    /**
     * The session groups each of these transcripts has responses in (every copy, counted or not: a resumed
     * session's file whose lines are all counted in the original still belongs to it).
     */
    async sessionKeysOf(files: string[]): Promise<Array<{ session_file: string; dim: string }>> {
      if (files.length === 0) return []
      const { list, p } = params()
      return db.all(
        `SELECT DISTINCT r.session_file, ${DIMENSION.session} AS dim FROM cost_responses r
         WHERE r.session_file IN (${files.map((f) => p(f)).join(', ')}) ORDER BY r.session_file, dim`,
        list,
      )
    },

    /** Ids and e-mails of the people with these usernames (deleted users have none). */
    async people(usernames: string[]): Promise<Array<{ username: string; id: string; email: string }>> {
      if (usernames.length === 0) return []
      return db.all(`SELECT username, id, email FROM users WHERE username IN (${usernames.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY username`, usernames)
    },
  }
}
