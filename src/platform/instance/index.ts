import { z } from 'zod'
import type { Actor, AuditNote, Services } from '../../services.ts'
import { notFound } from '../../errors.ts'
import { noteChange } from '../changes/record.ts'
import { DEFAULT_ROW_LIMIT, DEFAULT_TIMEOUT_SECONDS } from '../query/index.ts'
import { DEFAULT_REPORTS_PER_HOUR } from '../feedback/rate-limit.ts'
import { DEFAULT_DAILY_TOKENS } from '../sessions/llm-judge.ts'

/**
 * The instance settings an admin can change, with their types and what each does (the description is the help text
 * the server-config page and /api/docs show: its one source). A typo'd key is refused instead of being stored and
 * silently having no effect. null removes a setting (back to its default).
 */
export const instanceSettingsSchema = z
  .strictObject({
    instance_name: z.string().min(1).max(100).nullable()
      .describe('A name for this instance, kept with its settings. No page or message shows it yet.'),
    support_contact: z.string().min(1).max(256).nullable()
      .describe('Who analysts should contact about this instance (an e-mail address or a chat channel), kept with its settings. No page or message shows it yet.'),
    query_row_limit: z.number().int().min(1).max(1_000_000).nullable()
      .describe(`The most rows one query returns (POST /api/query, agnes query); a query asking for more gets this many, marked truncated. Unset: ${DEFAULT_ROW_LIMIT.toLocaleString('en')}.`),
    query_timeout_seconds: z.number().min(1).max(3600).nullable()
      .describe(`How long one query may run, parsing included, before it is stopped with a timeout error. Unset: ${DEFAULT_TIMEOUT_SECONDS} s.`),
    session_upload_max_mb: z.number().min(1).max(10_000).nullable()
      .describe('Kept, but not applied yet: the largest transcript accepted per file is AGNES_SESSION_UPLOAD_MAX_MB, read at start.'),
    feedback_reports_per_hour: z.number().int().min(1).max(10_000).nullable()
      .describe(`The reports (agnes report) one person may file within any hour; more are refused with 429. Unset: ${DEFAULT_REPORTS_PER_HOUR}.`),
    // src/platform/costs/budget.ts
    cost_monthly_budget_usd: z.number().positive().max(100_000_000).nullable()
      .describe('Claude Code spend per UTC month, in USD: the health pulse turns yellow at 80 % of it and red at 100 %, and linked admins hear about each on Telegram. Unset: no budget.'),
    // src/platform/sessions/llm-judge.ts
    llm_judge_daily_tokens: z.number().int().min(1).max(1_000_000_000).nullable()
      .describe(`The LLM judge's tokens (input + output) per UTC day; past it, transcripts wait for the next day. Unset: ${DEFAULT_DAILY_TOKENS.toLocaleString('en')}.`),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'give at least one setting')

/** One setting as the server-config page offers it: its help text and the values it accepts, from the schema above. */
export interface SettingInfo {
  key: string
  description: string
  type: 'string' | 'integer' | 'number'
  minimum: number | null
  /** True when the minimum itself is refused (a positive amount). */
  exclusive_minimum: boolean
  maximum: number | null
  max_length: number | null
}

type JsonProp = { description?: string; anyOf?: Array<{ type?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number; maxLength?: number }> }

export const SETTINGS: readonly SettingInfo[] = Object.entries(
  (z.toJSONSchema(instanceSettingsSchema, { io: 'input' }) as { properties: Record<string, JsonProp> }).properties,
).map(([key, p]) => {
  const t = p.anyOf?.find((x) => x.type !== 'null') ?? {}
  return {
    key,
    description: p.description ?? '',
    type: t.type === 'integer' || t.type === 'number' ? t.type : 'string',
    minimum: t.minimum ?? t.exclusiveMinimum ?? null,
    exclusive_minimum: t.exclusiveMinimum !== undefined,
    maximum: t.maximum ?? null,
    max_length: t.maxLength ?? null,
  }
})

/** What templates are, for the server-config page and the route's summary. */
export const TEMPLATES_HELP = 'Named texts an admin keeps on the instance (for example the setup prompt handed to new analysts). ' +
  'Names are lower-case words joined by _ . or -; saving replaces the whole text, and the previous text is kept in the audit log.'

export type InstanceSettings = z.infer<typeof instanceSettingsSchema>

type Svc = Pick<Services, 'store' | 'clock'>

export const getInstanceConfig = (svc: Svc) => svc.store.instance.getConfig()

/** GET /api/admin/config: the values, and every setting's help text and accepted values. */
export async function configView(svc: Svc) {
  return { config: await getInstanceConfig(svc), settings: SETTINGS }
}

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
