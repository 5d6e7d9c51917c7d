// The helpers every admin page script shares (activity.js, sessions.js, feedback.js, transcript-replay.js): building
// elements, the JSON requests and the time formatting. Plain script, no framework: it defines window.AgnesDom, so
// load it before the scripts that use it. Values are inserted with textContent / createElement, never as HTML.
'use strict'
;(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg'

  /**
   * Sets props on n (class, on* listeners, other attributes; null / undefined / false are skipped, true is an empty
   * attribute) and appends the children, flattened: strings become text nodes, null / undefined / false are skipped.
   * The class goes through setAttribute, which works for SVG elements as well as HTML ones.
   */
  function fill(n, props, children) {
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue
      if (k === 'class') n.setAttribute('class', v)
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v)
      else n.setAttribute(k, v === true ? '' : String(v))
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) n.append(c instanceof Node ? c : String(c))
    return n
  }
  /** createElement with props; string children become text nodes. */
  const el = (tag, props, ...children) => fill(document.createElement(tag), props, children)
  /** The same for an SVG element. */
  const svg = (tag, props, ...children) => fill(document.createElementNS(SVG_NS, tag), props, children)

  /**
   * A same-origin JSON request. A 401 sends the browser to the login page (back here afterwards); any other failure
   * throws an Error with the API's error.message and the HTTP status in `.status`. Anything but GET carries the
   * page's CSRF token and `body` as JSON ({} when there is none).
   */
  async function request(method, path, body) {
    const headers = { accept: 'application/json' }
    const init = { method, credentials: 'same-origin', headers }
    if (method !== 'GET') {
      const meta = document.querySelector('meta[name="csrf-token"]')
      if (meta) headers['x-csrf-token'] = meta.getAttribute('content') || ''
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(body ?? {})
    }
    const res = await fetch(path, init)
    if (res.status === 401) {
      location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search))
      throw new Error('signed out')
    }
    let out = null
    try {
      out = await res.json()
    } catch {
      out = null
    }
    if (!res.ok) {
      const e = new Error((out && out.error && out.error.message) || `HTTP ${res.status}`)
      e.status = res.status
      throw e
    }
    return out
  }
  const getJson = (path) => request('GET', path)
  /** POST / PATCH / PUT / DELETE with the CSRF token; resolves to the parsed answer. */
  const sendJson = (method, path, body) => request(method, path, body)

  // ---- formatting ----
  const pad = (n) => String(n).padStart(2, '0')
  /** A time of day, HH:MM:SS (local time); '' when there is none. */
  function fmtClock(iso) {
    if (!iso) return ''
    const d = new Date(iso)
    return isNaN(d.getTime()) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  }
  /** A local date and time, YYYY-MM-DD HH:MM (with :SS when opts.seconds); '—' when there is none. */
  function fmtTime(iso, opts) {
    if (!iso) return '—'
    const d = new Date(iso)
    if (isNaN(d.getTime())) return String(iso)
    const secs = opts && opts.seconds ? `:${pad(d.getSeconds())}` : ''
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}${secs}`
  }
  /**
   * How long ago (or from now) a time is: "12 s ago", "3 min ago", "in 2 h", "5 d ago"; under 5 s "just now".
   * With opts.coarse nothing finer than minutes is shown: under 45 s is "just now".
   */
  function fmtRel(iso, opts) {
    const d = new Date(iso)
    if (!iso || isNaN(d.getTime())) return '—'
    const s = Math.round((Date.now() - d.getTime()) / 1000)
    const a = Math.abs(s)
    const coarse = Boolean(opts && opts.coarse)
    if (a < (coarse ? 45 : 5)) return 'just now'
    const v = a < 60 && !coarse ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 * 2 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`
    return s >= 0 ? `${v} ago` : `in ${v}`
  }
  const fmtInt = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en'))
  /** "1 line", "1,204 lines". */
  const plural = (n, word) => `${fmtInt(n)} ${word}${Number(n) === 1 ? '' : 's'}`

  /** The non-empty values of `keys` in a URLSearchParams: a page's filters as its URL states them. */
  function readFilters(sp, keys) {
    const f = {}
    for (const k of keys) {
      const v = sp.get(k)
      if (v !== null && v !== '') f[k] = v
    }
    return f
  }

  /** A query string of the set filters among `keys`, then the extras that have a value. */
  function toQuery(keys, filters, extra) {
    const sp = new URLSearchParams()
    for (const k of keys) if (filters[k]) sp.set(k, filters[k])
    for (const [k, v] of Object.entries(extra || {})) if (v !== null && v !== undefined && v !== '') sp.set(k, String(v))
    return sp.toString()
  }

  window.AgnesDom = { el, svg, getJson, sendJson, pad, fmtClock, fmtTime, fmtRel, fmtInt, plural, readFilters, toQuery }
})()
