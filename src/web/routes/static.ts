import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { notFound } from '../../errors.ts'

/**
 * The page bundles and assets in dist/web/static: `npm run build` bundles the page code (src/web/pages, by
 * scripts/build-pages.mjs) and copies the assets (src/web/assets) there. Compiled, this module is in dist/web/routes,
 * beside that folder; run from source (tsx, the tests) it is in src/web/routes and uses the built folder all the same,
 * so the pages need a build after their code changes.
 */
function staticDir(): string {
  const candidates = ['../static/', '../../../dist/web/static/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  for (const dir of candidates) if (existsSync(dir) && statSync(dir).isDirectory()) return dir
  return candidates[0]
}

export const STATIC_DIR = staticDir()

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  txt: 'text/plain; charset=utf-8',
  map: 'application/json; charset=utf-8',
}

/** A plain file name with a known extension: no folders, no dot-files, so nothing outside STATIC_DIR is reachable. */
const FILE = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.([a-z0-9]+)$/

interface Entry { body: Buffer; etag: string; mtimeMs: number }
const cache = new Map<string, Entry>()

/** The file's bytes and content hash, re-read only when it changed on disk (so edits show without a restart). */
function load(file: string): Entry | null {
  const m = FILE.exec(file)
  if (!m || !TYPES[m[2]]) return null
  try {
    // Only names the folder lists: no path tricks reach outside it.
    if (!readdirSync(STATIC_DIR).includes(file)) return null
    const path = STATIC_DIR + file
    const st = statSync(path)
    if (!st.isFile()) return null
    const hit = cache.get(file)
    if (hit && hit.mtimeMs === st.mtimeMs) return hit
    const body = readFileSync(path)
    const entry = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`, mtimeMs: st.mtimeMs }
    cache.set(file, entry)
    return entry
  } catch {
    return null
  }
}

/** The URL a page should use for a static file: versioned by content, so it can be cached for a year. */
export function staticUrl(file: string): string {
  const e = load(file)
  return e ? `/static/${file}?v=${e.etag.slice(1, 11)}` : `/static/${file}`
}

/** Sends a static file with its type, its content hash as ETag, and a year of caching when the URL is versioned. */
function sendStatic(file: string, version: string | undefined, req: FastifyRequest, reply: FastifyReply) {
  const e = load(file)
  if (!e) throw notFound(`static file '${file}'`)
  const ext = file.slice(file.lastIndexOf('.') + 1)
  reply.header('content-type', TYPES[ext])
  reply.header('x-content-type-options', 'nosniff')
  reply.header('etag', e.etag)
  // A versioned URL (?v=hash from staticUrl) never changes content; an unversioned one is revalidated.
  const versioned = version !== undefined && version === e.etag.slice(1, 11)
  reply.header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
  if (req.headers['if-none-match'] === e.etag) return reply.code(304).send()
  return reply.send(e.body)
}

export const staticRoutes = [
  defineRoute({
    method: 'GET', url: '/static/:file', auth: 'public', action: null, tag: 'pages', kind: 'page',
    summary: 'Page bundles, styles and icons (built from src/web/pages and src/web/assets into dist/web/static).',
    params: z.strictObject({ file: z.string().min(1).max(100) }),
    query: z.object({ v: z.string().max(64).optional() }).passthrough(),
    handler: async ({ params, query, req, reply }) => sendStatic(params.file, query.v, req, reply),
  }),
  defineRoute({
    method: 'GET', url: '/favicon.ico', auth: 'public', action: null, tag: 'pages', kind: 'page',
    summary: 'The site icon, where browsers look for it by default.',
    query: z.object({}).passthrough(),
    handler: async ({ req, reply }) => sendStatic('favicon.ico', undefined, req, reply),
  }),
]
