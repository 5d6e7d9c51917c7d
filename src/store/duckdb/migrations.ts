import type { Migration } from '../migrate.ts'

/**
 * DuckDB schema, oldest first. Never edit a released migration: add a new one.
 * No foreign keys: DuckDB cannot cascade and refuses updates of referenced rows, so repositories
 * remove dependent rows themselves, in one transaction.
 */
export const duckdbMigrations: Migration[] = [
  {
    version: 1,
    name: 'core: users, tokens, groups, grants, config, templates, audit',
    statements: [
      `CREATE TABLE users (
        id VARCHAR PRIMARY KEY,
        email VARCHAR NOT NULL UNIQUE,
        username VARCHAR NOT NULL UNIQUE,
        name VARCHAR,
        is_admin BOOLEAN NOT NULL DEFAULT false,
        password_hash VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE personal_access_tokens (
        id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        name VARCHAR,
        token_hash VARCHAR NOT NULL UNIQUE,
        token_prefix VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
      )`,
      `CREATE INDEX pat_user ON personal_access_tokens (user_id)`,
      `CREATE TABLE user_groups (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        description VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE user_group_members (
        group_id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (group_id, user_id)
      )`,
      `CREATE TABLE resource_grants (
        id VARCHAR PRIMARY KEY,
        group_id VARCHAR NOT NULL,
        resource VARCHAR NOT NULL,
        permission VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (group_id, resource, permission)
      )`,
      `CREATE TABLE instance_config (
        key VARCHAR PRIMARY KEY,
        value JSON,
        updated_at TIMESTAMPTZ NOT NULL,
        updated_by VARCHAR
      )`,
      `CREATE TABLE instance_templates (
        name VARCHAR PRIMARY KEY,
        content VARCHAR NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        updated_by VARCHAR
      )`,
      `CREATE SEQUENCE audit_log_id_seq START 1`,
      `CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
        timestamp TIMESTAMPTZ NOT NULL,
        user_id VARCHAR,
        user_email VARCHAR,
        action VARCHAR NOT NULL,
        resource VARCHAR,
        params JSON,
        params_before JSON,
        result VARCHAR NOT NULL,
        duration_ms DOUBLE,
        client_ip VARCHAR,
        client_kind VARCHAR NOT NULL,
        correlation_id VARCHAR NOT NULL
      )`,
      `CREATE TABLE web_sessions (
        id_hash VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        csrf_token VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'audit_log indexes for the timeline',
    statements: [
      `CREATE INDEX audit_ts ON audit_log (timestamp)`,
      `CREATE INDEX audit_user_ts ON audit_log (user_id, timestamp)`,
      `CREATE INDEX audit_action_ts ON audit_log (action, timestamp)`,
      `CREATE INDEX audit_correlation ON audit_log (correlation_id)`,
    ],
  },
]
