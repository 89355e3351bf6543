import { PgClient } from "@effect/sql-pg"
import { openAccount, transfer } from "@org/ledger"
import { LedgerInMemory } from "@org/ledger/testing"
import { LedgerPg } from "@org/pg/ledger"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
const db = PgClient.layer({ url: Redacted.make("postgres://postgres@127.0.0.1:5432/test"), maxConnections: 10 })
const mk = (layer: any) => ManagedRuntime.make(Layer.mergeAll(layer, Logger.minimumLogLevel(LogLevel.Warning)) as any)
const variants: Array<[string, any]> = [
  // ["memory", mk(LedgerInMemory)],
  ["pg-store stub", mk(LedgerPg.layer({ schema: "lt5_" + Math.random().toString(16).slice(2, 8) }).pipe(Layer.provide(db), Layer.orDie))]
]
for (const [name, rt] of variants) {
  let n = 0
  await rt.runPromise(Effect.gen(function* () { yield* openAccount({ id: "a", kind: "x" }); yield* openAccount({ id: "b", kind: "x" }) }))
  for (const round of [1, 2, 3]) {
    const K = 20000
    const cpu = process.cpuUsage(); const t0 = performance.now()
    await Promise.all(Array.from({ length: 20 }, async () => { for (let i = 0; i < K / 20; i++) await rt.runPromise(transfer({ id: `t${n++}`, debitAccountId: "a", creditAccountId: "b", amount: 1, kind: "k" })) }))
    const c = process.cpuUsage(cpu)
    console.log(name, round, `${(K / ((performance.now() - t0) / 1000)).toFixed(0)}/s`, `${((c.user + c.system) / K).toFixed(0)} µs CPU/op`)
  }
  await rt.dispose()
}
