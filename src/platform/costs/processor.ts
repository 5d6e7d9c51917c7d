import type { SessionProcessor } from '../sessions/processors.ts'
import type { CostResponseRecord } from '../../store/repositories/costs.ts'
import { readResponses } from '../../sessions/costs/responses.ts'
import { isoOrNull } from '../sessions/params.ts'
import { checkBudget } from './budget.ts'

/**
 * The `costs` session processor: every API response of a transcript, with its final token counts, into
 * `cost_responses` (replacing the transcript's earlier rows). Pricing happens when the figures are read, so a
 * new price table or an admin's override applies to past usage without processing anything again.
 *
 * After writing a transcript with responses of this month, it checks the month's spend against the budget
 * (budget.ts), so the Telegram note about a crossed threshold goes out with the upload that crossed it, even when no
 * admin is looking.
 */
export const costsProcessor: SessionProcessor = {
  name: 'costs',
  cadenceMinutes: 15,
  async processSession(file, username, sessionKey, store, ctx) {
    const read = await readResponses(file)
    const fileStartedAt = isoOrNull(read.firstTimestamp)
    const fileEndedAt = isoOrNull(read.lastTimestamp)
    const rows: CostResponseRecord[] = read.responses.map((r) => {
      const at = isoOrNull(r.timestamp)
      return {
        session_file: sessionKey,
        // A response with neither message id nor request id is unique only within its file.
        response_key: r.key.startsWith('line:') ? `${sessionKey}#${r.key}` : r.key,
        username,
        session_id: r.sessionId,
        subagent_file: read.isSubagent,
        sidechain: r.sidechain,
        project: r.cwd,
        model: r.model,
        occurred_at: at,
        day: at ? at.slice(0, 10) : null,
        file_started_at: fileStartedAt,
        file_ended_at: fileEndedAt,
        line: r.line,
        input_tokens: r.input,
        output_tokens: r.output,
        cache_creation_tokens: r.cacheCreation,
        cache_creation_1h_tokens: r.cacheCreation1h,
        cache_read_tokens: r.cacheRead,
        speed: r.speed,
        inference_geo: r.inferenceGeo,
        transcript_cost_usd: r.costUsd,
        processed_at: ctx.runAt,
      }
    })
    await store.costs.replaceForFile(sessionKey, rows)
    // Only this month's responses move this month's spend (an old transcript uploaded late does not).
    const month = ctx.runAt.slice(0, 7)
    if (rows.some((r) => r.day?.startsWith(month))) await checkBudget(store, { now: new Date(ctx.runAt) })
    return { items: rows.length, malformedLines: read.counts.malformed + read.counts.oversized }
  },
}
