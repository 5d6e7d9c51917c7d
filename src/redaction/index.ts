// Secret redaction for stored Claude Code transcripts (JSONL) and other uploaded text.
export { redactSecrets, type RedactionResult } from './redact.ts'
export { createRedactingLineStream, RedactingLineStream } from './stream.ts'
export { RULES, type RedactionRule } from './patterns.ts'
