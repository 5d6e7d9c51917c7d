import type { Db } from '../db.ts'

/** The cache key of a judgement: the same file content, prompt and model are never sent twice. */
export interface JudgeCallKey {
  file_sha256: string
  prompt_version: string
  model: string
}

/** One request to the LLM (`llm_judge_calls`). */
export interface JudgeCallRecord extends JudgeCallKey {
  /** The transcript it was made for (a later upload of the same content reuses it). */
  session_file: string
  /** 'flagged': the transcript's findings were judged; 'sample': an unflagged transcript, asked for misses. */
  kind: 'flagged' | 'sample'
  /** 'ok', or 'unparsed' when the answer held no judgement we could read (the tokens were spent all the same). */
  status: 'ok' | 'unparsed'
  findings_sent: number
  input_tokens: number
  output_tokens: number
  /** From the price table (or the admin's override) of the model; null when the model has no price. */
  cost_usd: number | null
  error: string | null
  judged_at: string
}

export type JudgementLabel = 'real_failure' | 'false_alarm' | 'unsure' | 'missed'

/** What the LLM said about one finding, or about a failure the scan missed (`llm_judgements`). */
export interface JudgementRecord extends JudgeCallKey {
  finding_type: string
  line: number
  label: JudgementLabel
  root_cause: string | null
  explanation: string | null
  judged_at: string
}

/** A judgement with the call it came from, as attached to a transcript's findings. */
export type JudgementWithCall = JudgementRecord & { session_file: string; input_tokens: number; output_tokens: number; cost_usd: number | null }

const JUDGEMENT_COLS = 'file_sha256, prompt_version, model, finding_type, line, label, root_cause, explanation, judged_at'

/** The LLM judge's calls and judgements. */
export function llmJudgeRepository(db: Db) {
  return {
    async call(k: JudgeCallKey): Promise<JudgeCallRecord | undefined> {
      const r = await db.one<JudgeCallRecord>(
        `SELECT * FROM llm_judge_calls WHERE file_sha256 = $1 AND prompt_version = $2 AND model = $3`,
        [k.file_sha256, k.prompt_version, k.model],
      )
      return r ? { ...r, input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens) } : undefined
    },
    /** Records a call and what it answered, replacing an earlier answer under the same key, in one transaction. */
    async saveCall(c: JudgeCallRecord, judgements: JudgementRecord[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO llm_judge_calls (file_sha256, prompt_version, model, session_file, kind, status, findings_sent, input_tokens, output_tokens,
             cost_usd, error, judged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (file_sha256, prompt_version, model) DO UPDATE SET session_file = excluded.session_file, kind = excluded.kind,
             status = excluded.status, findings_sent = excluded.findings_sent, input_tokens = excluded.input_tokens,
             output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd, error = excluded.error, judged_at = excluded.judged_at`,
          [c.file_sha256, c.prompt_version, c.model, c.session_file, c.kind, c.status, c.findings_sent, c.input_tokens, c.output_tokens, c.cost_usd, c.error, c.judged_at],
        )
        await tx.run(`DELETE FROM llm_judgements WHERE file_sha256 = $1 AND prompt_version = $2 AND model = $3`, [c.file_sha256, c.prompt_version, c.model])
        for (const j of judgements) {
          await tx.run(
            `INSERT INTO llm_judgements (${JUDGEMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [j.file_sha256, j.prompt_version, j.model, j.finding_type, j.line, j.label, j.root_cause, j.explanation, j.judged_at],
          )
        }
      })
    },
    /** Tokens (input + output) the judge spent since a moment: what the daily budget is checked against. */
    async tokensSince(sinceIso: string): Promise<number> {
      const r = await db.one<{ n: number | null }>(`SELECT sum(input_tokens + output_tokens) AS n FROM llm_judge_calls WHERE judged_at >= $1`, [sinceIso])
      return Number(r?.n ?? 0)
    },
    /**
     * The judgements about the current content of some transcripts (through `session_uploads`' hash), newest call
     * first per place, each with its call's session file, tokens and cost.
     */
    async forFiles(sessionFiles: string[]): Promise<Array<JudgementWithCall & { for_file: string }>> {
      const files = [...new Set(sessionFiles)]
      if (files.length === 0) return []
      const rows = await db.all<JudgementWithCall & { for_file: string }>(
        `SELECT u.session_file AS for_file, j.*, c.session_file, c.input_tokens, c.output_tokens, c.cost_usd
         FROM session_uploads u
         JOIN llm_judgements j ON j.file_sha256 = u.sha256
         JOIN llm_judge_calls c ON c.file_sha256 = j.file_sha256 AND c.prompt_version = j.prompt_version AND c.model = j.model
         WHERE u.session_file IN (${files.map((_, i) => `$${i + 1}`).join(', ')})
         ORDER BY u.session_file, j.line, j.finding_type, j.judged_at DESC`,
        files,
      )
      return rows.map((r) => ({ ...r, input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens) }))
    },
    /** Per finding type, how the judge labelled the current findings (judgements of the files' current content). */
    async labelCounts(): Promise<Array<{ finding_type: string; label: string; n: number }>> {
      const rows = await db.all<{ finding_type: string; label: string; n: number }>(
        `SELECT f.finding_type AS finding_type, j.label AS label, count(*) AS n
         FROM session_findings f
         JOIN session_uploads u ON u.session_file = f.session_file
         JOIN llm_judgements j ON j.file_sha256 = u.sha256 AND j.finding_type = f.finding_type AND j.line = f.line
         GROUP BY f.finding_type, j.label ORDER BY f.finding_type, j.label`,
      )
      return rows.map((r) => ({ ...r, n: Number(r.n) }))
    },
    /** Failures the judge found in sampled transcripts that the scan did not flag, newest first. */
    async missed(limit: number): Promise<Array<JudgementRecord & { session_file: string }>> {
      return db.all<JudgementRecord & { session_file: string }>(
        `SELECT j.*, c.session_file FROM llm_judgements j
         JOIN llm_judge_calls c ON c.file_sha256 = j.file_sha256 AND c.prompt_version = j.prompt_version AND c.model = j.model
         WHERE j.label = 'missed' ORDER BY j.judged_at DESC, c.session_file, j.line LIMIT $1`,
        [limit],
      )
    },
    async lastCallAt(): Promise<string | null> {
      const r = await db.one<{ t: string | null }>(`SELECT max(judged_at) AS t FROM llm_judge_calls`)
      return r?.t ?? null
    },
    /** Calls made since a moment, by kind. */
    async callCountsSince(sinceIso: string): Promise<{ flagged: number; sample: number; cost_usd: number }> {
      const r = await db.one<{ flagged: number | null; sample: number | null; cost: number | null }>(
        `SELECT sum(CASE WHEN kind = 'flagged' THEN 1 ELSE 0 END) AS flagged, sum(CASE WHEN kind = 'sample' THEN 1 ELSE 0 END) AS sample,
           sum(cost_usd) AS cost
         FROM llm_judge_calls WHERE judged_at >= $1`,
        [sinceIso],
      )
      return { flagged: Number(r?.flagged ?? 0), sample: Number(r?.sample ?? 0), cost_usd: Number(r?.cost ?? 0) }
    },
  }
}
