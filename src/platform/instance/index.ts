import { z } from 'zod'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { notFound } from '../../errors.ts'
import { noteChange } from '../changes/record.ts'

/**
 * The instance settings an admin can change, with their types. A typo'd key is refused instead of being
 * stored and silently having no effect. null removes a setting (back to its default).
 */
export const instanceSettingsSchema = z
  .strictObject({
    instance_name: z.string().min(1).max(100).nullable(),
    support_contact: z.string().min(1).max(256).nullable(),
    query_row_limit: z.number().int().min(1).max(1_000_000).nullable(),
    query_timeout_seconds: z.number().min(1).max(3600).nullable(),
    session_upload_max_mb: z.number().min(1).max(10_000).nullable(),
    feedback_reports_per_hour: z.number().int().min(1).max(10_000).nullable(),
    // Claude Code spend per UTC month (src/platform/costs/budget.ts): the health pulse turns yellow at 80 %, red at 100 %.
    cost_monthly_budget_usd: z.number().positive().max(100_000_000).nullable(),
    // The LLM judge's tokens (input + output) per UTC day (src/platform/sessions/llm-judge.ts); unset: 200,000.
    llm_judge_daily_tokens: z.number().int().min(1).max(1_000_000_000).nullable(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'give at least one setting')

export type InstanceSettings = z.infer<typeof instanceSettingsSchema>

type Svc = Pick<Services, 'store' | 'clock'>

export const getInstanceConfig = (svc: Svc) => svc.store.instance.getConfig()

/** The values of some settings (null: unset, i.e. the default applies). */
export const configState = (config: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, config[k] ?? null]))

/** Sets the given keys (null removes one); the previous values of exactly those keys go to params_before. */
export async function updateInstanceConfig(svc: Svc, note: AuditNote, actor: Actor, values: Record<string, unknown>) {
  const keys = Object.keys(values)
  const before = configState(await svc.store.instance.getConfig(), keys)
  note.resource = 'instance_config'
  note.params_before = before
  note.params = { ...values }
  await svc.store.instance.setConfig(values, actor.user?.id ?? null, svc.clock.now().toISOString())
  const after = await svc.store.instance.getConfig()
  await noteChange(svc, note, before, configState(after, keys), { keep: true })
  return after
}

export const listTemplates = (svc: Svc) => svc.store.instance.listTemplates()

export async function getTemplate(svc: Svc, name: string) {
  const t = await svc.store.instance.template(name)
  if (!t) throw notFound('template')
  return t
}

/** A template as its audit rows record it (the row's copy of a long content is cut; the kept state is whole). */
export const templateState = (t: { name: string; content: string }) => ({ name: t.name, content: t.content })

export async function setTemplate(svc: Svc, note: AuditNote, actor: Actor, name: string, content: string) {
  note.resource = `instance_template:${name}`
  const before = await svc.store.instance.template(name)
  note.params_before = before ? templateState(before) : null
  note.params = { name, bytes: Buffer.byteLength(content) }
  await svc.store.instance.setTemplate(name, content, actor.user?.id ?? null, svc.clock.now().toISOString())
  const after = await getTemplate(svc, name)
  await noteChange(svc, note, before ? templateState(before) : null, templateState(after), { keep: true })
  return after
}

/** Removes a template. No route offers this: it is the inverse a rollback uses for a template that did not exist. */
export async function deleteTemplate(svc: Svc, note: AuditNote, name: string) {
  note.resource = `instance_template:${name}`
  const before = await svc.store.instance.template(name)
  if (!before) throw notFound('template')
  await svc.store.instance.deleteTemplate(name)
  await noteChange(svc, note, templateState(before), null, { keep: true })
}
