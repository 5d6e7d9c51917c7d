import type { Db } from '../db.ts'

export interface GroupRecord {
  id: string
  name: string
  description: string | null
  created_at: string
  updated_at: string
}

export interface GrantRecord {
  id: string
  group_id: string
  resource: string
  permission: string
  created_at: string
}

export function groupsRepository(db: Db) {
  return {
    async insert(g: GroupRecord): Promise<void> {
      await db.run(`INSERT INTO user_groups (id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`, [
        g.id, g.name, g.description, g.created_at, g.updated_at,
      ])
    },
    byId: (id: string) => db.one<GroupRecord>(`SELECT * FROM user_groups WHERE id = $1`, [id]),
    byName: (name: string) => db.one<GroupRecord>(`SELECT * FROM user_groups WHERE name = $1`, [name]),
    list: () =>
      db.all<GroupRecord & { member_count: number }>(
        `SELECT g.*, (SELECT count(*) FROM user_group_members m WHERE m.group_id = g.id) AS member_count
         FROM user_groups g ORDER BY g.name`,
      ),
    async update(id: string, patch: { name?: string; description?: string | null }, now: string): Promise<void> {
      await db.run(
        `UPDATE user_groups SET name = coalesce($1, name), description = CASE WHEN $2 THEN $3 ELSE description END, updated_at = $4 WHERE id = $5`,
        [patch.name ?? null, patch.description !== undefined, patch.description ?? null, now, id],
      )
    },
    async delete(id: string): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run(`DELETE FROM user_group_members WHERE group_id = $1`, [id])
        await tx.run(`DELETE FROM resource_grants WHERE group_id = $1`, [id])
        await tx.run(`DELETE FROM user_groups WHERE id = $1`, [id])
      })
    },
    members: (groupId: string) =>
      db.all<{ user_id: string; email: string; added_at: string }>(
        `SELECT m.user_id, u.email, m.added_at FROM user_group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = $1 ORDER BY u.email`,
        [groupId],
      ),
    async isMember(groupId: string, userId: string): Promise<boolean> {
      return Boolean(await db.one(`SELECT 1 AS x FROM user_group_members WHERE group_id = $1 AND user_id = $2`, [groupId, userId]))
    },
    async addMember(groupId: string, userId: string, now: string): Promise<void> {
      await db.run(`INSERT INTO user_group_members (group_id, user_id, added_at) VALUES ($1, $2, $3)`, [groupId, userId, now])
    },
    async removeMember(groupId: string, userId: string): Promise<number> {
      return db.run(`DELETE FROM user_group_members WHERE group_id = $1 AND user_id = $2`, [groupId, userId])
    },
    async insertGrant(g: GrantRecord): Promise<void> {
      await db.run(`INSERT INTO resource_grants (id, group_id, resource, permission, created_at) VALUES ($1, $2, $3, $4, $5)`, [
        g.id, g.group_id, g.resource, g.permission, g.created_at,
      ])
    },
    grantById: (id: string) => db.one<GrantRecord>(`SELECT * FROM resource_grants WHERE id = $1`, [id]),
    findGrant: (groupId: string, resource: string, permission: string) =>
      db.one<GrantRecord>(`SELECT * FROM resource_grants WHERE group_id = $1 AND resource = $2 AND permission = $3`, [
        groupId, resource, permission,
      ]),
    listGrants: () => db.all<GrantRecord>(`SELECT * FROM resource_grants ORDER BY resource, group_id`),
    async deleteGrant(id: string): Promise<void> {
      await db.run(`DELETE FROM resource_grants WHERE id = $1`, [id])
    },
    /** The ids of the groups a user is a member of. */
    async groupsOf(userId: string): Promise<string[]> {
      return (await db.all<{ group_id: string }>(`SELECT group_id FROM user_group_members WHERE user_id = $1 ORDER BY group_id`, [userId])).map((r) => r.group_id)
    },
    /** A group's grants, by id. */
    grantsOf: (groupId: string) => db.all<GrantRecord>(`SELECT * FROM resource_grants WHERE group_id = $1 ORDER BY id`, [groupId]),
    /** Which group gives a user each resource they may access with a permission (one row per group and resource). */
    grantsReaching: (userId: string, permission: string) =>
      db.all<{ group_id: string; resource: string }>(
        `SELECT DISTINCT g.group_id, g.resource FROM resource_grants g JOIN user_group_members m ON m.group_id = g.group_id
         WHERE m.user_id = $1 AND g.permission = $2 ORDER BY g.resource, g.group_id`,
        [userId, permission],
      ),
    /** The resources a user may access with a permission through any of their groups. */
    async resourcesGranted(userId: string, permission: string): Promise<string[]> {
      const rows = await db.all<{ resource: string }>(
        `SELECT DISTINCT g.resource FROM resource_grants g JOIN user_group_members m ON m.group_id = g.group_id
         WHERE m.user_id = $1 AND g.permission = $2`,
        [userId, permission],
      )
      return rows.map((r) => r.resource)
    },
  }
}
