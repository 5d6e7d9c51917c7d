// Secret redaction for what Agnes stores: uploaded transcripts (JSONL, line by line), excerpts, feedback and every audit string.
export { redactSecrets, type RedactionResult } from './redact.ts'
export { createRedactingLineStream, RedactingLineStream } from './stream.ts'
export { RULES, type RedactionRule } from './patterns.ts'
