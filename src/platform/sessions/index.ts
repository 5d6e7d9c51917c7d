/**
 * The session pipeline: processors that turn stored Claude Code transcripts into usage rows and findings
 * (runner.ts: idempotent per file hash, scheduled and on demand), and the admin read models over them.
 */
export {
  DEFAULT_PROCESSORS, failureScanProcessor, maskExcerpt, usageProcessor,
  type ProcessContext, type ProcessResult, type SessionProcessor,
} from './processors.ts'
export { MAX_FILES_PER_RUN, findProcessor, runSessionProcessor, sessionProcessorJobs, type ProcessorRunReport } from './runner.ts'
export {
  EVENTS_PER_PAGE, FINDING_TYPES, findingHeatmap, listFindings, listSessions, presentEvent, presentFinding, rawSession, sessionDetail, weekStart,
  type FindingListParams, type FindingRow, type SessionListParams, type SessionSort,
} from './read.ts'
export { relatedForProcessorEvent, RELATED_FINDINGS_MAX } from './related.ts'
export { DATE_FILTER_MESSAGE, dateRangeProblem, decodeCursor, encodeCursor, isDateFilter } from './params.ts'
export { findingQuality, NOTE_MAX, presentReviewedFindings, setFindingVerdict, VERDICTS, type ReviewedFinding } from './verdicts.ts'
export {
  DEFAULT_DAILY_TOKENS, JUDGE_BUDGET_SETTING, SAMPLE_PER_MILLE, inSample, judgeHealth, judgeStatus, llmJudgeProcessor, type JudgeStatus,
} from './llm-judge.ts'
export { JUDGE_PROMPT_VERSION, JUDGE_SYSTEM, MAX_FINDINGS_PER_CALL } from './judge-prompt.ts'
export { EVENTS_AFTER_MS, EVENTS_BEFORE_MS, relatedFindingsForCliEvent, type RelatedEvent } from './related-events.ts'
