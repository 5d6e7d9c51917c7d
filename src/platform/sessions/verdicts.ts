import type { Actor, AuditNote, Services } from '../../services.ts'
import type { SessionFindingRecord } from '../../store/index.ts'
import type { FindingVerdictRecord, VerdictValue } from '../../store/repositories/verdicts.ts'
import type { JudgementWithCall } from '../../store/repositories/llm-judge.ts'
import { notFound } from '../../errors.ts'
import { redactSecrets } from '../../redaction/index.ts'
import { FINDING_TYPES } from '../../sessions/failure-scan.ts'
// read.ts imports this module too: presentFinding is only called, never read at load time, so the cycle is harmless.
import { presentFinding } from './read.ts'
import { relatedEventsFor } from './related-events.ts'
import { judgeMissed, judgeStatus } from './llm-judge.ts'

export const VERDICTS = ['confirmed', 'dismissed'] as const
/** Longest note kept with a verdict. */
export const NOTE_MAX = 2000

const keyOf = (f: { session_file: string; finding_type: string; line: number }) => `${f.session_file}\u0000${f.finding_type}\u0000${f.line}`

function presentVerdict(v: FindingVerdictRecord | undefined) {
  return v ? { verdict: v.verdict, note: v.note, decided_at: v.decided_at, decided_by: v.decided_by_email } : null
}

function presentJudgement(j: JudgementWithCall | undefined) {
  if (!j) return null
  return {
    label: j.label as 'real_failure' | 'false_alarm' | 'unsure', root_cause: j.root_cause, explanation: j.explanation, model: j.model,
    prompt_version: j.prompt_version, judged_at: j.judged_at,
    /** The tokens and cost of the whole call, which judged every finding of the transcript at once. */
    call: { input_tokens: j.input_tokens, output_tokens: j.output_tokens, cost_usd: j.cost_usd },
  }
}

/**
 * Findings as the admin API shows them: the finding, its verdict (null: none yet), what the LLM judge said about it
 * (null: not judged), and the person's command-line requests around it (see related-events.ts).
 */
export async function presentReviewedFindings(svc: Pick<Services, 'store'>, rows: SessionFindingRecord[]) {
  const files = rows.map((r) => r.session_file)
  const [verdicts, judgements, events] = await Promise.all([
    svc.store.verdicts.forFiles(files),
    svc.store.llmJudge.forFiles(files),
    relatedEventsFor(svc, rows),
  ])
  const verdictAt = new Map(verdicts.map((v) => [keyOf(v), v]))
  const judgementAt = new Map<string, JudgementWithCall>()
  // Newest call first per place (the repository's order): the first one seen wins.
  for (const j of judgements) if (j.label !== 'missed' && !judgementAt.has(keyOf({ ...j, session_file: j.for_file }))) judgementAt.set(keyOf({ ...j, session_file: j.for_file }), j)
  return rows.map((f) => ({
    ...presentFinding(f),
    occurred_at: f.occurred_at,
    verdict: presentVerdict(verdictAt.get(keyOf(f))),
    judgement: presentJudgement(judgementAt.get(keyOf(f))),
    related_events: events.get(Number(f.id)) ?? [],
  }))
}
export type ReviewedFinding = Awaited<ReturnType<typeof presentReviewedFindings>>[number]

/**
 * Confirms or dismisses a finding (verdict null takes a verdict back), with an optional note (secrets redacted).
 * The verdict is kept by the finding's place (transcript, type, line), so it stays with the finding when failure_scan
 * scans the transcript again. Audited as finding.verdict: params_before the verdict it replaced (null: none).
 */
export async function setFindingVerdict(
  svc: Pick<Services, 'store' | 'clock'>, note: AuditNote, actor: Actor, findingId: number, body: { verdict: VerdictValue | null; note?: string | null },
) {
  const f = await svc.store.sessions.findingById(findingId)
  note.resource = `session_finding:${findingId}`
  if (!f) throw notFound(`finding ${findingId}`)
  note.resource = `session:${f.session_file}`
  const place = { session_file: f.session_file, finding_type: f.finding_type, line: f.line }
  const before = await svc.store.verdicts.get(place)
  note.params_before = before ? { verdict: before.verdict, note: before.note } : null
  const text = body.note?.trim() ? redactSecrets(body.note.trim()).text : null
  note.params = { finding_id: Number(f.id), ...place, verdict: body.verdict, note: body.verdict === null ? null : text }
  if (body.verdict === null) {
    await svc.store.verdicts.clear(place)
  } else {
    const upload = await svc.store.sessionUploads.byFile(f.session_file)
    await svc.store.verdicts.set({
      ...place, username: f.username, verdict: body.verdict, note: text, file_sha256: upload?.sha256 ?? null,
      decided_by: actor.user?.id ?? null, decided_by_email: actor.user?.email ?? null, decided_at: svc.clock.now().toISOString(),
    })
  }
  const [out] = await presentReviewedFindings(svc, [f])
  return out
}

const precision = (confirmed: number, dismissed: number) => (confirmed + dismissed ? Math.round((confirmed / (confirmed + dismissed)) * 1000) / 1000 : null)

/**
 * Precision on this instance, per finding type: of the current findings an admin gave a verdict on, the share
 * confirmed. Verdicts on findings a re-scan no longer finds are not counted. With the LLM judge on, its labels of the
 * same findings and the failures it found in sampled transcripts that the scan missed.
 */
export async function findingQuality(svc: Pick<Services, 'store' | 'config' | 'clock'>, note: AuditNote) {
  const [counts, labels, judge, missed] = await Promise.all([
    svc.store.verdicts.counts(), svc.store.llmJudge.labelCounts(), judgeStatus(svc), judgeMissed(svc),
  ])
  const byType = new Map(counts.map((c) => [c.finding_type, c]))
  const judged = (t: string, label: string) => labels.find((l) => l.finding_type === t && l.label === label)?.n ?? 0
  const types = FINDING_TYPES.map((t) => {
    const c = byType.get(t) ?? { findings: 0, confirmed: 0, dismissed: 0 }
    return {
      finding_type: t, findings: c.findings, confirmed: c.confirmed, dismissed: c.dismissed, unreviewed: c.findings - c.confirmed - c.dismissed,
      precision: precision(c.confirmed, c.dismissed),
      judge: { real_failure: judged(t, 'real_failure'), false_alarm: judged(t, 'false_alarm'), unsure: judged(t, 'unsure') },
    }
  })
  const sum = (k: 'findings' | 'confirmed' | 'dismissed' | 'unreviewed') => types.reduce((s, t) => s + t[k], 0)
  note.resource = 'session'
  note.params = { types: types.length }
  return {
    types,
    total: { findings: sum('findings'), confirmed: sum('confirmed'), dismissed: sum('dismissed'), unreviewed: sum('unreviewed'), precision: precision(sum('confirmed'), sum('dismissed')) },
    judge: { ...judge, missed },
  }
}
