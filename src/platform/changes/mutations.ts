/**
 * Which audit actions change stored state, how, and whether a rollback may revert them. The Changes view lists
 * exactly these actions; test/e2e/changes.test.ts checks that every route that writes declares its action here
 * (or in NOT_MUTATIONS, with the reason), and that each writes params_before as its kind says.
 */

/** The records a rollback knows how to put back (src/platform/rollback/subjects.ts). */
export type SubjectName = 'instance_config' | 'instance_template' | 'table' | 'resource_grant' | 'user_group' | 'user_group_member'

export type MutationKind =
  /** params_before null, params the new record. */
  | 'create'
  /** params_before the record before, params after. */
  | 'update'
  /** params_before the deleted record, params null. */
  | 'delete'
  /** Creates or replaces: params_before null when nothing was there. */
  | 'upsert'

export interface Mutation {
  kind: MutationKind
  /** Set for the rollback allowlist (spec §10): the record this action changes. */
  subject?: SubjectName
  /** Why a rollback refuses this action (422 not_reversible). */
  notReversible?: string
}

export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  // The rollback allowlist. Each inverse is written next to it; docs/changes.md repeats them.
  /** Inverse: instance_config.update setting each key it touched back to its prior value (null: unset again). */
  'instance_config.update': { kind: 'update', subject: 'instance_config' },
  /** Inverse: instance_template.set with the prior content, or deleting the template when it did not exist. */
  'instance_template.set': { kind: 'upsert', subject: 'instance_template' },
  /** Inverse: table.unregister (its synced data is dropped). */
  'table.register': { kind: 'create', subject: 'table' },
  /** Inverse: table.update with the prior source, interval and description. */
  'table.update': { kind: 'update', subject: 'table' },
  /** Inverse: table.register with the prior id, source, interval and description (sync it to load its data). */
  'table.unregister': { kind: 'delete', subject: 'table' },
  /** Inverse: resource_grant.remove of that grant. */
  'resource_grant.add': { kind: 'create', subject: 'resource_grant' },
  /** Inverse: resource_grant.add with the same id, group, resource and permission. */
  'resource_grant.remove': { kind: 'delete', subject: 'resource_grant' },
  /** Inverse: user_group.delete (a conflict when members or grants were added since, unless forced). */
  'user_group.create': { kind: 'create', subject: 'user_group' },
  /** Inverse: user_group.update with the prior name and description. */
  'user_group.update': { kind: 'update', subject: 'user_group' },
  /** Inverse: user_group.create with the same id, name and description, then its members (those who still exist) and grants. */
  'user_group.delete': { kind: 'delete', subject: 'user_group' },
  /** Inverse: user_group_member.remove. */
  'user_group_member.add': { kind: 'create', subject: 'user_group_member' },
  /** Inverse: user_group_member.add. */
  'user_group_member.remove': { kind: 'delete', subject: 'user_group_member' },
  /** Inverse: put back the state the rollback replaced (its params_before); its subject is in params.subject. */
  'rollback.apply': { kind: 'upsert' },

  // Changes a rollback does not revert, and why.
  'user.create': { kind: 'create', notReversible: 'accounts are removed on purpose, with DELETE /api/admin/users/{id}' },
  'user.update': { kind: 'update', notReversible: 'admin rights and passwords are changed on purpose (a password is never in the log): use PATCH /api/admin/users/{id}' },
  'user.delete': { kind: 'delete', notReversible: "a deleted user's tokens, sessions and password cannot be restored: create the user again" },
  'auth.bootstrap': { kind: 'create', notReversible: 'the first admin cannot be undone' },
  'token.create': { kind: 'create', notReversible: 'revoke the token instead (DELETE /api/admin/tokens/{id})' },
  'token.revoke': { kind: 'update', notReversible: 'a revoked token stays revoked: issue a new one' },
  'script.create': { kind: 'create', notReversible: 'scripts are not on the rollback allowlist' },
  'script.update': { kind: 'update', notReversible: 'scripts are not on the rollback allowlist: change the schedule again (PATCH /api/admin/scripts/{id})' },
  'feedback.report': { kind: 'create', notReversible: "a filed report is the reporter's: close it instead (PATCH /api/admin/feedback/{id})" },
  'feedback.update': { kind: 'update', notReversible: 'report triage is not on the rollback allowlist: change the report again' },
  'telegram.link': { kind: 'update', notReversible: 'link or unlink your chat again (POST /api/admin/telegram-link)' },
  'feedback.note': { kind: 'create', notReversible: "notes are the admins' record of the report: add another note" },
  'feedback.reply': { kind: 'create', notReversible: 'the reporter may already have read the reply: send another one' },
  'feedback.bulk_update': { kind: 'update', notReversible: 'report triage is not on the rollback allowlist: change the reports again' },
  'feedback.github_issue': { kind: 'update', notReversible: 'the issue (or comment) is on GitHub now: close it there' },
  'github.webhook': { kind: 'update', notReversible: "GitHub's issue state drives it: reopen or close the issue on GitHub" },
  'session.upload': { kind: 'upsert', notReversible: "transcripts are the analyst's own: they push them again" },
  'saved_view.create': { kind: 'create', notReversible: 'saved views are personal: change the view itself' },
  'saved_view.update': { kind: 'update', notReversible: 'saved views are personal: change the view itself' },
  'saved_view.delete': { kind: 'delete', notReversible: 'saved views are personal: save the view again' },
  'finding.verdict': { kind: 'upsert', notReversible: 'give the finding another verdict, or take it back with verdict null (POST /api/admin/sessions/findings/{id}/verdict)' },
}

/** Actions of routes that POST/PUT/PATCH/DELETE but change no record an admin manages, and why they write no params_before. */
export const NOT_MUTATIONS: Readonly<Record<string, string>> = {
  'query.run': 'runs a read-only SELECT; nothing stored changes',
  'audit.reveal_raw': 'reads one audit row unmasked; a POST only so that a cross-site link cannot trigger it',
  'sync.trigger': "starts a sync job: each table's run is its own sync.run row, and no configuration changes",
  'script_runner.tick': 'runs the scripts that are due: each run is its own script.run row, and no configuration changes',
  'script.trigger': 'runs one script now: the run is its own script.run row, and no configuration changes',
  run_session_processor: 'processes transcripts into findings (derived data, recomputed on the next run); no configuration changes',
  'auth.login': 'starts a browser session: its secret is never logged, and it ends on its own',
  'auth.logout': 'ends the browser session it is sent from',
}

export const MUTATION_ACTIONS: readonly string[] = Object.keys(MUTATIONS)

export function mutationOf(action: string): Mutation | undefined {
  return Object.hasOwn(MUTATIONS, action) ? MUTATIONS[action] : undefined
}
