/**
 * Why a personal access token no longer signs requests: 'revoked', 'expired' (past its expiry at `now`), or null
 * while it works. The dashboard lists those apart; the Users page shows them after the working ones.
 */
export function tokenInactive(t: { revoked_at: string | null; expires_at: string | null }, now = Date.now()): 'revoked' | 'expired' | null {
  if (t.revoked_at) return 'revoked'
  if (t.expires_at && Date.parse(t.expires_at) <= now) return 'expired'
  return null
}
