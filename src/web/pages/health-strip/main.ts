// Entry of the health strip's bundle (dist/web/static/health-strip.js), loaded on every admin page by layout.ts: the
// health pulse's colour and sentence, and a link to the first card of that colour on /admin/activity (where the card
// leads to its evidence). Refreshed every 60 s while the page is visible. Every value is inserted as text.
import { byId, errorMessage, getJson, onReady } from '../dom.ts'
import type { Health, HealthField } from '../api.ts'
import { cardHref } from './card-link.ts'
import './health-strip.css'

const API = '/api/admin/activity/health'
const POLL_MS = 60_000
const COLORS = ['green', 'yellow', 'red', 'grey']

/** The card the strip links to: the first whose colour is the overall status (so a red strip leads to a red card). */
export function cardToShow(h: Pick<Health, 'status' | 'fields'>): HealthField | null {
  if (h.status === 'green') return null
  return h.fields.find((f) => f.color === h.status) ?? h.fields.find((f) => f.color === 'red' || f.color === 'yellow') ?? null
}

async function refresh(): Promise<void> {
  const strip = byId('hs')
  const link = byId<HTMLAnchorElement>('hs-link')
  try {
    const h = await getJson<Health>(API)
    const status = COLORS.includes(h.status) ? h.status : 'grey'
    strip.setAttribute('data-status', status)
    byId('hs-dot').setAttribute('title', `Overall: ${status}`)
    const sentence = byId('hs-sentence')
    sentence.textContent = h.sentence
    sentence.title = h.sentence
    const card = cardToShow(h)
    link.href = card ? cardHref(card.key) : '/admin/activity#ac-pulse'
    link.textContent = card ? `${card.label}: ${card.value}` : 'Health pulse'
    link.title = card ? `Open the ${card.label} card of the health pulse, which leads to its evidence` : 'Open the health pulse'
    link.setAttribute('data-key', card?.key ?? '')
  } catch (e) {
    strip.setAttribute('data-status', 'grey')
    byId('hs-sentence').textContent = `Health could not be loaded: ${errorMessage(e)}`
    link.href = '/admin/activity#ac-pulse'
    link.textContent = 'Health pulse'
  }
}

onReady(() => {
  // A page that fetches its own first content (the Activity timeline) says so with data-defers-strip and sends
  // 'agnes:first-content' once it is on screen: the strip then waits, so it never queues ahead of what the person
  // came for. Elsewhere (or if that never comes) it loads at once.
  if (document.querySelector('[data-defers-strip]')) {
    let done = false
    const go = () => {
      if (done) return
      done = true
      void refresh()
    }
    document.addEventListener('agnes:first-content', go, { once: true })
    setTimeout(go, 3000)
  } else void refresh()
  let last = Date.now()
  setInterval(() => {
    if (!document.hidden) {
      last = Date.now()
      void refresh()
    }
  }, POLL_MS)
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && Date.now() - last >= POLL_MS) {
      last = Date.now()
      void refresh()
    }
  })
})
