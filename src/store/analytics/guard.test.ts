import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { checkReadOnlySql, type SqlCheckResult } from './guard.ts'

let instance: DuckDBInstance
let conn: DuckDBConnection

before(async () => {
  instance = await DuckDBInstance.create(':memory:')
  conn = await instance.connect()
  await conn.run(`
    CREATE TABLE orders (id INTEGER, customer_id INTEGER, amount DOUBLE, note VARCHAR);
    CREATE TABLE customers (id INTEGER, name VARCHAR);
    CREATE SCHEMA sales;
    CREATE TABLE sales.targets (customer_id INTEGER, target DOUBLE);
    INSERT INTO orders VALUES (1, 1, 10.5, 'first'), (2, 2, 20, 'DELETE me; not really');
    INSERT INTO customers VALUES (1, 'Ada'), (2, 'Bob');
  `)
})

after(() => {
  conn.closeSync()
  instance.closeSync()
})

async function refused(sql: string, reasonPattern?: RegExp): Promise<string> {
  const result: SqlCheckResult = await checkReadOnlySql(conn, sql)
  assert.equal(result.ok, false, `expected refusal for: ${sql}`)
  const reason = (result as { reason: string }).reason
  assert.ok(reason.length > 10, `reason should be human readable, got: ${reason}`)
  if (reasonPattern) assert.match(reason, reasonPattern)
  return reason
}

async function allowed(sql: string): Promise<string[]> {
  const result = await checkReadOnlySql(conn, sql)
  assert.ok(result.ok, `expected ${sql} to be allowed, got: ${result.ok ? '' : result.reason}`)
  // Whatever the guard allows must also run.
  await conn.runAndReadAll(sql)
  return result.tables
}

describe('checkReadOnlySql refuses statements that are not a single SELECT', () => {
  const cases: Array<[string, RegExp]> = [
    ["INSERT INTO orders VALUES (3, 1, 1, 'x')", /not INSERT/],
    ['UPDATE orders SET amount = 0', /not UPDATE/],
    ['DELETE FROM orders', /not DELETE/],
    ['CREATE TABLE x AS SELECT * FROM orders', /not CREATE/],
    ['DROP TABLE orders', /not DROP/],
    ['ALTER TABLE orders ADD COLUMN y INTEGER', /not ALTER/],
    ["ATTACH '/tmp/other.duckdb' AS other", /not ATTACH/],
    ['DETACH other', /not DETACH/],
    ["COPY orders TO '/tmp/orders.csv'", /not COPY/],
    ["EXPORT DATABASE '/tmp/dump'", /not EXPORT/],
    ["IMPORT DATABASE '/tmp/dump'", /not IMPORT/],
    ['PRAGMA version', /not PRAGMA/],
    ['SET threads = 1', /not SET/],
    ['RESET threads', /not RESET/],
    ['INSTALL httpfs', /not INSTALL/],
    ['LOAD httpfs', /not LOAD/],
    ['CALL pragma_version()', /not CALL/],
    ['CHECKPOINT', /not CHECKPOINT/],
    ['VACUUM', /not VACUUM/],
    ['EXPLAIN ANALYZE SELECT * FROM orders', /not EXPLAIN/],
    ['/* comment */ -- line\n  delete from orders', /not DELETE/],
  ]
  for (const [sql, reason] of cases) {
    it(`refuses ${sql.split('\n').pop()}`, async () => {
      await refused(sql, reason)
    })
  }

  it('refuses two SELECT statements', async () => {
    await refused('SELECT 1; SELECT 2', /only one statement/)
  })
  it('refuses a SELECT followed by a DROP', async () => {
    await refused('SELECT 1; DROP TABLE orders', /single read-only SELECT/)
  })
  it('refuses an empty query', async () => {
    await refused('  ;  ', /empty/)
  })
  it('reports syntax errors', async () => {
    await refused('SELEC 1', /syntax error/)
  })
})

describe('checkReadOnlySql refuses table functions and file scans wherever they appear', () => {
  const cases: Array<[string, RegExp]> = [
    ["SELECT * FROM read_csv('/etc/passwd')", /read_csv/],
    ["SELECT * FROM read_csv_auto('/etc/passwd')", /read_csv_auto/],
    ["SELECT * FROM read_parquet('x.parquet')", /read_parquet/],
    ["SELECT * FROM read_json('x.json')", /read_json/],
    ["SELECT * FROM read_json_auto('x.json')", /read_json_auto/],
    ["SELECT * FROM read_ndjson_objects('x.json')", /read_ndjson_objects/],
    ["SELECT * FROM read_text('/etc/hostname')", /read_text/],
    ["SELECT * FROM read_blob('/etc/hostname')", /read_blob/],
    ["SELECT * FROM glob('/etc/*')", /glob/],
    ["SELECT * FROM parquet_scan('x.parquet')", /parquet_scan/],
    ["SELECT * FROM sniff_csv('/etc/passwd')", /sniff_csv/],
    ["SELECT * FROM query('SELECT 1')", /query\(\)/],
    ["SELECT * FROM query_table('orders')", /query_table/],
    ['SELECT * FROM duckdb_settings()', /duckdb_settings/],
    ['SELECT * FROM duckdb_secrets()', /duckdb_secrets/],
    ["SELECT * FROM json_each('[1]')", /json_each/],
    ['SELECT * FROM checkpoint()', /checkpoint/],
    ["SELECT * FROM orders WHERE id IN (SELECT 1 FROM read_csv('/etc/passwd'))", /read_csv/],
    ["SELECT (SELECT count(*) FROM read_text('/etc/hostname')) AS n", /read_text/],
    ["WITH f AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM f", /read_csv/],
    ["SELECT * FROM orders o JOIN read_parquet('x.parquet') p ON o.id = p.id", /read_parquet/],
    ["SELECT * FROM orders, LATERAL (SELECT * FROM read_text('/etc/hostname'))", /read_text/],
    ["SELECT 1 UNION ALL SELECT count(*) FROM glob('/*')", /glob/],
    ["DESCRIBE SELECT * FROM read_csv('/etc/passwd')", /read_csv/],
    ["SELECT * FROM '/etc/passwd'", /file path/],
    ["SELECT * FROM 'orders.csv'", /file path/],
    ['SELECT * FROM "data/*.parquet"', /file path/],
    ["SELECT * FROM 'https://example.com/x.parquet'", /file path/],
  ]
  for (const [sql, reason] of cases) {
    it(`refuses ${sql}`, async () => {
      await refused(sql, reason)
    })
  }
})

describe('checkReadOnlySql refuses functions and catalogs that reach outside the synced tables', () => {
  const cases: Array<[string, RegExp]> = [
    ["SELECT getenv('HOME')", /getenv/],
    ["SELECT nextval('seq')", /nextval/],
    ['SELECT setseed(0.5)', /setseed/],
    ['SELECT sleep_ms(100000)', /sleep_ms/],
    ["SELECT json_serialize_plan('SELECT * FROM read_text(''/etc/hostname'')')", /json_serialize_plan/],
    ["SELECT write_log('x')", /write_log/],
    ['SELECT * FROM duckdb_tables', /system catalog/],
    ['SELECT * FROM information_schema.tables', /system catalog/],
    ['SELECT * FROM pg_catalog.pg_settings', /system catalog/],
    ['SELECT * FROM sqlite_master', /system catalog/],
    ['SELECT * FROM system.main.duckdb_columns', /system catalog/],
    ['SHOW TABLES', /SHOW/],
    ['SHOW ALL TABLES', /SHOW/],
    ['SHOW DATABASES', /SHOW/],
  ]
  for (const [sql, reason] of cases) {
    it(`refuses ${sql}`, async () => {
      await refused(sql, reason)
    })
  }
})

describe('checkReadOnlySql allows read-only queries', () => {
  it('allows a join and lists both tables', async () => {
    const tables = await allowed('SELECT c.name, sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY 1')
    assert.deepEqual(tables, ['customers', 'orders'])
  })

  it('allows CTEs and leaves their names out of the table list', async () => {
    const tables = await allowed(`
      WITH big AS (SELECT * FROM orders WHERE amount > 5),
           named AS (SELECT big.*, c.name FROM big JOIN customers c ON c.id = big.customer_id)
      SELECT * FROM named`)
    assert.deepEqual(tables, ['customers', 'orders'])
  })

  it('allows a recursive CTE', async () => {
    const tables = await allowed('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r')
    assert.deepEqual(tables, [])
  })

  it('lists tables from subqueries, lateral joins and schema-qualified names', async () => {
    const tables = await allowed(`
      SELECT o.id,
             (SELECT max(t.target) FROM Sales.Targets t WHERE t.customer_id = o.customer_id) AS target
      FROM orders o, LATERAL (SELECT name FROM customers c WHERE c.id = o.customer_id) l
      WHERE o.id IN (SELECT id FROM orders WHERE note IS NOT NULL)`)
    assert.deepEqual(tables, ['customers', 'orders', 'sales.targets'])
  })

  it('reports a table shadowed by a CTE only in another scope', async () => {
    const tables = await allowed('SELECT * FROM customers, (WITH customers AS (SELECT 1 AS x) SELECT * FROM customers) s')
    assert.deepEqual(tables, ['customers'])
  })

  it('allows window functions', async () => {
    const tables = await allowed('SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC) FROM orders QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC) = 1')
    assert.deepEqual(tables, ['orders'])
  })

  it('allows range(), generate_series() and unnest()', async () => {
    assert.deepEqual(await allowed('SELECT * FROM range(10)'), [])
    assert.deepEqual(await allowed('SELECT * FROM generate_series(1, 3) g, unnest([1, 2]) u'), [])
    assert.deepEqual(await allowed('SELECT unnest([1, 2]) AS x, current_setting(\'threads\') AS t'), [])
  })

  it('allows string literals containing DELETE and a semicolon', async () => {
    const tables = await allowed("SELECT * FROM orders WHERE note = 'DELETE me; not really' OR note LIKE '%; DROP TABLE orders; --'")
    assert.deepEqual(tables, ['orders'])
  })

  it('allows a trailing semicolon, FROM-first, VALUES, DESCRIBE and SUMMARIZE', async () => {
    assert.deepEqual(await allowed('SELECT count(*) FROM orders;'), ['orders'])
    assert.deepEqual(await allowed('FROM customers SELECT name'), ['customers'])
    assert.deepEqual(await allowed('VALUES (1), (2)'), [])
    assert.deepEqual(await allowed('DESCRIBE orders'), ['orders'])
    assert.deepEqual(await allowed('SUMMARIZE sales.targets'), ['sales.targets'])
  })

  it('allows prepared-statement parameters', async () => {
    const result = await checkReadOnlySql(conn, 'SELECT * FROM orders WHERE id = $1')
    assert.deepEqual(result, { ok: true, tables: ['orders'] })
  })
})
