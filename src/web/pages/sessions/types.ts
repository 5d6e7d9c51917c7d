// The answers of the verdict, findings and quality routes, as types for the page code: taken from the capability's own
// functions (type-only imports, which the bundle drops), so renaming a field there fails `npm run build` here.
import type { Json } from '../api.ts'
import type { findingQuality, listFindings, setFindingVerdict } from '../../../platform/sessions/index.ts'

export type FindingList = Json<Awaited<ReturnType<typeof listFindings>>>
/** A finding with its verdict, the LLM judge's judgement and related audit rows (the list's and the replay's shape). */
export type ReviewedFinding = Json<Awaited<ReturnType<typeof setFindingVerdict>>>
export type Verdict = NonNullable<ReviewedFinding['verdict']>
export type Quality = Json<Awaited<ReturnType<typeof findingQuality>>>
export type QualityRow = Quality['types'][number]
