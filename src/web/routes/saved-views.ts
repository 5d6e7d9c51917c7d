import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { createView, deleteView, listViews, savedViewBody, updateView } from '../../activity/saved-views.ts'

// Any id is looked up: one that names no view is a 404 like every other unknown id, not a 400.
const viewParam = z.strictObject({ id: z.string().min(1).max(100) })

/** Saved views: named Activity Center filter sets, each admin's own, optionally shared with the other admins. */
export const savedViewRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/activity/views', auth: 'admin', action: 'saved_view.list', tag: 'activity',
    summary: 'Your saved views and the ones other admins shared, by name.',
    query: noQuery,
    handler: async ({ svc, actor }) => listViews(svc, actor),
  }),
  defineRoute({
    method: 'POST', url: '/api/admin/activity/views', auth: 'admin', action: 'saved_view.create', tag: 'activity', status: 201,
    summary: 'Save the current filters under a name (unique per admin); shared: visible to every admin.',
    query: noQuery,
    body: z.strictObject({ name: savedViewBody.name, filters: savedViewBody.filters, shared: savedViewBody.shared.optional() }),
    handler: async ({ svc, note, actor, body }) => createView(svc, note, actor, body),
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/activity/views/:id', auth: 'admin', action: 'saved_view.update', tag: 'activity',
    summary: 'Rename a view of yours, replace its filters, or share or unshare it.',
    params: viewParam, query: noQuery,
    body: z.strictObject({ name: savedViewBody.name.optional(), filters: savedViewBody.filters.optional(), shared: savedViewBody.shared.optional() }),
    handler: async ({ svc, note, actor, params, body }) => updateView(svc, note, actor, params.id, body),
  }),
  defineRoute({
    method: 'DELETE', url: '/api/admin/activity/views/:id', auth: 'admin', action: 'saved_view.delete', tag: 'activity',
    summary: 'Delete a view of yours.',
    params: viewParam, query: noQuery,
    handler: async ({ svc, note, actor, params }) => deleteView(svc, note, actor, params.id),
  }),
]
