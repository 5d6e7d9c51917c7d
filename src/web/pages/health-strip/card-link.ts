// Where a health card lives on the Activity Center: the strip links there, and the pulse gives each card this id
// (src/web/pages/activity/pulse.ts), so the link scrolls to the card and marks it.

/** The element id of a pulse card. */
export const cardId = (key: string) => `pulse-${key}`

/** The link to a pulse card from any page. */
export const cardHref = (key: string) => `/admin/activity#${cardId(key)}`
