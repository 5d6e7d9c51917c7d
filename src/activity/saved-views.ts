import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Actor, AuditNote, Services } from '../services.ts'
import type { SavedViewRecord } from '../store/index.ts'
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.ts'
import { activityQuerySchema } from './filters.ts'

/** What a saved view keeps: the timeline's filters, never its cursor or page size. */
const viewFilters = activityQuerySchema.omit({ cursor: true, limit: true })

/**
 * The filters as the URL carries them (strings), checked with the timeline's own schema, so a saved view always
 * opens: a filter the timeline would refuse is refused here, naming it.
 */
export function checkViewFilters(filters: Record<string, string>): Record<string, string> {
  const r = viewFilters.safeParse(filters)
  if (!r.success) {
    const issue = r.error.issues[0]
    const field = issue.path.join('.') || Object.keys((issue as { keys?: string[] }).keys ?? {})[0]
    throw badRequest(`filters.${field || '?'}: ${issue.message}`, `filters.${field}`)
  }
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== ''))
}

export interface PresentedView {
  id: string
  name: string
  filters: Record<string, string>
  shared: boolean
  owner_id: string
  mine: boolean
  created_at: string
  updated_at: string
}

const present = (v: SavedViewRecord, viewer: string): PresentedView => ({
  id: v.id, name: v.name, filters: v.filters, shared: v.shared, owner_id: v.owner_id, mine: v.owner_id === viewer,
  created_at: v.created_at, updated_at: v.updated_at,
})

const stateOf = (v: SavedViewRecord) => ({ name: v.name, filters: v.filters, shared: v.shared })

function me(actor: Actor): string {
  if (!actor.user) throw forbidden()
  return actor.user.id
}

export async function listViews(svc: Pick<Services, 'store'>, actor: Actor): Promise<{ rows: PresentedView[]; next_cursor: null }> {
  const viewer = me(actor)
  return { rows: (await svc.store.savedViews.visibleTo(viewer)).map((v) => present(v, viewer)), next_cursor: null }
}

export async function createView(svc: Pick<Services, 'store'>, note: AuditNote, actor: Actor, input: { name: string; filters: Record<string, string>; shared?: boolean }): Promise<PresentedView> {
  const owner = me(actor)
  const filters = checkViewFilters(input.filters)
  if (await svc.store.savedViews.byOwnerAndName(owner, input.name)) throw conflict(`you already have a view called "${input.name}"`, 'view_exists', 'name')
  const now = new Date().toISOString()
  const rec: SavedViewRecord = { id: randomUUID(), owner_id: owner, name: input.name, filters, shared: input.shared ?? false, created_at: now, updated_at: now }
  await svc.store.savedViews.insert(rec)
  note.resource = `saved_view:${rec.id}`
  note.params = stateOf(rec)
  note.params_before = null
  return present(rec, owner)
}

/** Only a view's owner changes or deletes it; a shared view is read-only to the other admins. */
async function ownView(svc: Pick<Services, 'store'>, actor: Actor, id: string): Promise<SavedViewRecord> {
  const viewer = me(actor)
  const v = await svc.store.savedViews.byId(id)
  if (!v || (v.owner_id !== viewer && !v.shared)) throw notFound('saved view')
  if (v.owner_id !== viewer) throw new AppError(403, 'forbidden', 'only the admin who saved this view can change it; save a copy under your own name')
  return v
}

export async function updateView(svc: Pick<Services, 'store'>, note: AuditNote, actor: Actor, id: string, patch: { name?: string; filters?: Record<string, string>; shared?: boolean }): Promise<PresentedView> {
  note.resource = `saved_view:${id}`
  const before = await ownView(svc, actor, id)
  const filters = patch.filters === undefined ? undefined : checkViewFilters(patch.filters)
  if (patch.name !== undefined && patch.name !== before.name && (await svc.store.savedViews.byOwnerAndName(before.owner_id, patch.name))) {
    throw conflict(`you already have a view called "${patch.name}"`, 'view_exists', 'name')
  }
  await svc.store.savedViews.update(id, { name: patch.name, filters, shared: patch.shared }, new Date().toISOString())
  const after = (await svc.store.savedViews.byId(id))!
  note.params_before = stateOf(before)
  note.params = stateOf(after)
  return present(after, before.owner_id)
}

export async function deleteView(svc: Pick<Services, 'store'>, note: AuditNote, actor: Actor, id: string): Promise<{ deleted: string }> {
  note.resource = `saved_view:${id}`
  const before = await ownView(svc, actor, id)
  await svc.store.savedViews.delete(id)
  note.params_before = stateOf(before)
  note.params = null
  return { deleted: id }
}

export const savedViewBody = {
  name: z.string().trim().min(1).max(100),
  filters: z.record(z.string(), z.string().max(2000)),
  shared: z.boolean(),
}
