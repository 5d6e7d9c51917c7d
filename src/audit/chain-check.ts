import type { Services } from '../services.ts'
import { verifyAuditChain, type AuditVerifyResult } from './verify.ts'

/** Where the last verification is kept for the health pulse (in the store, so every worker shows the same). */
export const AUDIT_CHAIN_CACHE_KEY = 'audit_chain_verification'
/** The pulse shows a verification for this long; the scheduled check runs daily. */
const KEEP_MS = 8 * 86_400_000

/** Verifies the chain and keeps the result for the health pulse. */
export async function recordAuditVerification(svc: Pick<Services, 'store'>): Promise<AuditVerifyResult> {
  const out = await verifyAuditChain(svc.store)
  await svc.store.shared.setCached(AUDIT_CHAIN_CACHE_KEY, out, KEEP_MS)
  return out
}
