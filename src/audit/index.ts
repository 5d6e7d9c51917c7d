export { AuditWriter, type AuditEntry } from './writer.ts'
export { capParams, CAP_NAME, CAP_PREVIEW } from './caps.ts'
export { CLIENT_KINDS, type ClientKind, isAuditResult, isAuditAction, resultClass } from './vocabulary.ts'
export { firstReadInWindow, readWindowHeld, READ_WINDOW_MS } from './read-window.ts'
