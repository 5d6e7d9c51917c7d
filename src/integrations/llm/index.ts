/**
 * An LLM behind the Anthropic Messages API (POST {base}/v1/messages), for the opt-in judge of session findings.
 * Off unless AGNES_LLM_API_BASE, AGNES_LLM_API_KEY and AGNES_LLM_MODEL are set (src/config.ts).
 */
export { ANTHROPIC_VERSION, LlmError, MAX_RETRY_AFTER_MS, backoffMs, requestMessage, type LlmAnswer, type LlmRequest } from './client.ts'
