import type { Actor, AuditNote, Services } from '../../services.ts'
import { notFound } from '../../errors.ts'

type Svc = Pick<Services, 'store'>

export const getInstanceConfig = (svc: Svc) => svc.store.instance.getConfig()

/** Sets the given keys (null removes one); the previous values of exactly those keys go to params_before. */
export async function updateInstanceConfig(svc: Svc, note: AuditNote, actor: Actor, values: Record<string, unknown>) {
  const before = await svc.store.instance.getConfig()
  note.resource = 'instance_config'
  note.params_before = Object.fromEntries(Object.keys(values).map((k) => [k, before[k] ?? null]))
  note.params = { ...values }
  await svc.store.instance.setConfig(values, actor.user?.id ?? null, new Date().toISOString())
  return svc.store.instance.getConfig()
}

export const listTemplates = (svc: Svc) => svc.store.instance.listTemplates()

export async function getTemplate(svc: Svc, name: string) {
  const t = await svc.store.instance.template(name)
  if (!t) throw notFound('template')
  return t
}

export async function setTemplate(svc: Svc, note: AuditNote, actor: Actor, name: string, content: string) {
  note.resource = `instance_template:${name}`
  const before = await svc.store.instance.template(name)
  note.params_before = before ? { content: before.content, updated_at: before.updated_at } : null
  note.params = { name, bytes: Buffer.byteLength(content) }
  await svc.store.instance.setTemplate(name, content, actor.user?.id ?? null, new Date().toISOString())
  return getTemplate(svc, name)
}
