import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
const url = "postgres://postgres@127.0.0.1:5432/test"
const rt = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url), maxConnections: 10 }))
const pool = new pg.Pool({ connectionString: url, max: 10 })
const measure = async (name: string, op: () => Promise<unknown>) => {
  for (const round of [1, 2]) {
    const K = 6000
    const cpu = process.cpuUsage(); const t0 = performance.now()
    await Promise.all(Array.from({ length: 20 }, async () => { for (let i = 0; i < K / 20; i++) await op() }))
    const c = process.cpuUsage(cpu)
    console.log(name, round, `${(K / ((performance.now() - t0) / 1000)).toFixed(0)}/s`, `${((c.user + c.system) / K).toFixed(0)} µs CPU/op`)
  }
}
const q = "SELECT $1::jsonb AS r"
const payload = JSON.stringify([[{ id: "abc", debit: "a1", credit: "a2", amount: 7, kind: "debit", description: "", reverses: null }]])
await measure("pg.Pool", () => pool.query(q, [payload]))
await measure("sql.unsafe runPromise", () => rt.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(q, [payload] as never[]))))
const sql = await rt.runPromise(SqlClient.SqlClient)
await measure("sql.unsafe prebound", () => rt.runPromise(sql.unsafe(q, [payload] as never[])))
await measure("runPromise(void)", () => rt.runPromise(Effect.void))
await rt.dispose(); await pool.end()
