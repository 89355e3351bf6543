/**
 * `npx -y pnpm@10 run bench:ledger`: the credit ledger on the local Postgres,
 * transfers per second through the SDK next to a hand-written pgledger-style
 * SQL function (accounts locked in id order with `FOR UPDATE`, the balance
 * updated under `balance >= amount`, a transfer row and two entry rows, one
 * call a transfer), in the same run, 20 workers, 10 connections each side.
 *
 * - single debits: `transfer()` of `@org/ledger` over `@org/pg/ledger`, with
 *   1 hot account (every transfer debits it) and with 50 accounts (debit and
 *   credit drawn from 50);
 * - client creations: `createClient()` of `@org/resellers` (an account with its
 *   argon2id password hash, the debit, the credit-paid subscription and the
 *   client row in one transaction) with 1 reseller and with 50, next to the
 *   same by hand (hash, then `BEGIN`, insert the user, the function, insert
 *   the client, `COMMIT`).
 *
 * In rounds (every other one in reverse order), each run after a warm-up;
 * after each run the rows are counted: every completed operation must have
 * left its transfer. Prints markdown. `--quick`: one round of short windows.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { cpus } from "node:os"
import { PgClient } from "@effect/sql-pg"
import { hash } from "@node-rs/argon2"
import {
  AccountsConfig,
  type AdminCaller,
  createAccount,
  createPlan,
  type ResellerCaller
} from "@org/accounts"
import { BillingConfig } from "@org/billing"
import { PasswordHasherArgon2, SecureRandomNode } from "@org/crypto"
import { openAccount, transfer } from "@org/ledger"
import { PgIdempotencyStore, PgUnitOfWork } from "@org/pg"
import { AccountsPg } from "@org/pg/accounts"
import { BillingPg } from "@org/pg/billing"
import { LedgerPg } from "@org/pg/ledger"
import { ResellersPg } from "@org/pg/resellers"
import { addCredits, createClient, ResellerNotices } from "@org/resellers"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { postgresCpuSince, postgresTicks } from "../cpu.js"

const quick = process.argv.includes("--quick")
const ROUNDS = quick ? 1 : 3
const WARMUP_SECONDS = quick ? 1 : 2
const SECONDS = quick ? 3 : 10
const WORKERS = 20
const POOL = 10
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const FUNDS = 1_000_000_000_000
const PRICE = 499

const id = randomBytes(4).toString("hex")
const schemas = {
  ledger: `bench_ledger_${id}`,
  accounts: `bench_accounts_${id}`,
  billing: `bench_billing_${id}`,
  resellers: `bench_resellers_${id}`,
  keys: `bench_keys_${id}`,
  baseline: `bench_pgledger_${id}`
}
const b = `"${schemas.baseline}"`

/** The pgledger-style function: sorted locks, the guarded update, a transfer and two entries. */
const baselineSchema = `
CREATE SCHEMA ${b};
CREATE TABLE ${b}.accounts (id text PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0), version bigint NOT NULL DEFAULT 0);
CREATE TABLE ${b}.transfers (id text PRIMARY KEY, from_id text NOT NULL REFERENCES ${b}.accounts, to_id text NOT NULL REFERENCES ${b}.accounts, amount bigint NOT NULL CHECK (amount > 0), created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE ${b}.entries (id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES ${b}.accounts, transfer_id text NOT NULL REFERENCES ${b}.transfers, amount bigint NOT NULL, balance_after bigint NOT NULL, account_version bigint NOT NULL);
CREATE INDEX ON ${b}.entries (account_id, id);
CREATE TABLE ${b}.users (id uuid PRIMARY KEY, email text NOT NULL UNIQUE, full_name text NOT NULL, password_hash text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE ${b}.clients (user_id uuid PRIMARY KEY REFERENCES ${b}.users, reseller_id text NOT NULL, credits integer NOT NULL, period_end timestamptz NOT NULL);
CREATE FUNCTION ${b}.transfer(p_id text, p_from text, p_to text, p_amount bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE fb bigint; fv bigint; tb bigint; tv bigint;
BEGIN
  PERFORM 1 FROM ${b}.accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
  UPDATE ${b}.accounts SET balance = balance - p_amount, version = version + 1
    WHERE id = p_from AND balance >= p_amount RETURNING balance, version INTO fb, fv;
  IF NOT FOUND THEN RAISE EXCEPTION 'insufficient funds in %', p_from; END IF;
  UPDATE ${b}.accounts SET balance = balance + p_amount, version = version + 1
    WHERE id = p_to RETURNING balance, version INTO tb, tv;
  INSERT INTO ${b}.transfers (id, from_id, to_id, amount) VALUES (p_id, p_from, p_to, p_amount);
  INSERT INTO ${b}.entries (account_id, transfer_id, amount, balance_after, account_version)
    VALUES (p_from, p_id, -p_amount, fb, fv), (p_to, p_id, p_amount, tb, tv);
END $fn$;
`

const database = PgClient.layer({ url: Redacted.make(DATABASE_URL), maxConnections: POOL })
const accountsStores = AccountsPg.layer({ schema: schemas.accounts })
const stores = Layer.mergeAll(
  BillingPg.layer({ schema: schemas.billing, accountsSchema: schemas.accounts }),
  ResellersPg.layer({ schema: schemas.resellers, accountsSchema: schemas.accounts })
).pipe(
  Layer.provideMerge(accountsStores),
  Layer.merge(
    Layer.mergeAll(
      LedgerPg.layer({
        schema: schemas.ledger,
        ...(process.env.BENCH_WRITERS === undefined ? {} : { writers: Number(process.env.BENCH_WRITERS) }),
        ...(process.env.BENCH_MAX_BATCH === undefined
          ? {}
          : { maxBatch: Number(process.env.BENCH_MAX_BATCH) })
      }),
      PgUnitOfWork.layer,
      PgIdempotencyStore.layer({ schema: schemas.keys })
    )
  )
)
const sdk = ManagedRuntime.make(
  Layer.mergeAll(
    stores,
    PasswordHasherArgon2.layer(),
    SecureRandomNode,
    AccountsConfig.layer(),
    BillingConfig.layer(),
    ResellerNotices.layerLog,
    Logger.minimumLogLevel(LogLevel.Warning)
  ).pipe(Layer.provide(database), Layer.orDie)
)

const pick = <A>(items: ReadonlyArray<A>) => items[Math.floor(Math.random() * items.length)] as A

interface Scenario {
  readonly name: string
  readonly sdk: (n: string) => Promise<unknown>
  readonly baseline: (n: string) => Promise<unknown>
  /** Rows the run's operations left (by transfer id prefix). */
  readonly rows: (side: "sdk" | "baseline", prefix: string) => Promise<number>
}

/** `WORKERS` loops of `op` for the warm-up and the window: completed operations in the window, per second, and the CPU each took. */
const drive = async (op: (n: string) => Promise<unknown>, prefix: string) => {
  let counter = 0
  let counted = 0
  let total = 0
  let errors = 0
  let measuring = false
  let stop = false
  const loops = Array.from({ length: WORKERS }, async () => {
    while (!stop) {
      const n = `${prefix}-${counter++}`
      try {
        await op(n)
        total++
        if (measuring) counted++
      } catch (error) {
        errors++
        if (errors <= 3) process.stderr.write(`${prefix}: ${String(error)}\n`)
      }
    }
  })
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000))
  measuring = true
  const started = performance.now()
  const nodeBefore = process.cpuUsage()
  const postgresBefore = postgresTicks()
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
  measuring = false
  const seconds = (performance.now() - started) / 1000
  const node = process.cpuUsage(nodeBefore)
  const postgres = postgresCpuSince(postgresBefore)
  stop = true
  await Promise.all(loops)
  return {
    perSecond: counted / seconds,
    total,
    errors,
    nodeMicros: (node.user + node.system) / counted,
    postgresMicros: (postgres * 1e6) / counted
  }
}

const main = async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect().catch((error: unknown) => {
    throw new Error(`no Postgres at ${DATABASE_URL} (BENCH_DATABASE_URL): ${String(error)}`)
  })
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL })
  try {
    await client.query(baselineSchema)
    const cold = Array.from({ length: 50 }, (_, i) => `acct:${i}`)
    const hot = "acct:hot"
    // Accounts on both sides: funded so no debit is ever refused.
    await client.query(`INSERT INTO ${b}.accounts (id, balance) SELECT unnest($1::text[]), $2`, [
      [hot, ...cold, "platform:revenue"],
      FUNDS
    ])
    const resellers = await sdk.runPromise(
      Effect.gen(function* () {
        yield* openAccount({ id: "platform:issuance", kind: "issuance" })
        yield* openAccount({ id: "platform:revenue", kind: "revenue" })
        for (const account of [hot, ...cold]) {
          yield* openAccount({ id: account, kind: "credits", debitsMustNotExceedCredits: true })
          yield* transfer({
            id: `fund:${account}`,
            debitAccountId: "platform:issuance",
            creditAccountId: account,
            amount: FUNDS,
            kind: "grant"
          })
        }
        const admin = { userId: randomUUID() } as unknown as AdminCaller
        yield* createPlan(admin, {
          name: "Basic",
          stripe_price_id: "price_basic_monthly",
          price_monthly: PRICE / 100,
          max_profiles: 2,
          max_playlists: 10,
          max_favorites: 500
        })
        const out: Array<ResellerCaller> = []
        for (let i = 0; i < 50; i++) {
          const user = yield* createAccount(
            { email: `reseller${i}@bench.example`, password: "benchPassword123", full_name: `Reseller ${i}` },
            "reseller"
          )
          yield* addCredits(admin, { user_id: user.id, amount: 1_000_000_000 })
          out.push({ userId: user.id, role: "reseller", isKids: false } as unknown as ResellerCaller)
        }
        return out
      })
    )
    const baselineResellers = resellers.map((r) => `credits:${r.userId}`)
    await client.query(`INSERT INTO ${b}.accounts (id, balance) SELECT unnest($1::text[]), $2`, [
      baselineResellers,
      FUNDS
    ])

    const sdkDebit = (n: string, from: string, to: string) =>
      sdk.runPromise(transfer({ id: n, debitAccountId: from, creditAccountId: to, amount: 7, kind: "debit" }))
    const baselineDebit = (n: string, from: string, to: string) =>
      pool.query(`SELECT ${b}.transfer($1, $2, $3, $4)`, [n, from, to, 7])
    const twoOf = () => {
      const from = pick(cold)
      let to = pick(cold)
      while (to === from) to = pick(cold)
      return [from, to] as const
    }
    const countTransfers = async (side: "sdk" | "baseline", prefix: string) =>
      Number(
        (
          await client.query<{ n: string }>(
            side === "sdk"
              ? `SELECT count(*) AS n FROM "${schemas.ledger}".transfers WHERE id LIKE $1`
              : `SELECT count(*) AS n FROM ${b}.transfers WHERE id LIKE $1`,
            [`${prefix}-%`]
          )
        ).rows[0]?.n ?? 0
      )

    const sdkClient = (n: string, reseller: ResellerCaller) =>
      sdk.runPromise(
        createClient(reseller, {
          email: `${n}@bench.example`,
          password: "clientPassword123",
          full_name: "Bench Client",
          plan_stripe_price_id: "price_basic_monthly"
        })
      )
    const baselineClient = async (n: string, resellerAccount: string) => {
      const passwordHash = await hash("clientPassword123", {
        algorithm: 2,
        memoryCost: 19_456,
        timeCost: 2,
        parallelism: 1
      })
      const connection = await pool.connect()
      try {
        await connection.query("BEGIN")
        const userId = randomUUID()
        await connection.query(
          `INSERT INTO ${b}.users (id, email, full_name, password_hash) VALUES ($1, $2, $3, $4)`,
          [userId, `${n}@bench.example`, "Bench Client", passwordHash]
        )
        await connection.query(`SELECT ${b}.transfer($1, $2, $3, $4)`, [
          n,
          resellerAccount,
          "platform:revenue",
          PRICE
        ])
        await connection.query(
          `INSERT INTO ${b}.clients (user_id, reseller_id, credits, period_end) VALUES ($1, $2, $3, now() + interval '1 month')`,
          [userId, resellerAccount, PRICE]
        )
        await connection.query("COMMIT")
      } catch (error) {
        await connection.query("ROLLBACK")
        throw error
      } finally {
        connection.release()
      }
    }
    const countClients = async (side: "sdk" | "baseline", prefix: string) =>
      Number(
        (
          await client.query<{ n: string }>(
            side === "sdk"
              ? `SELECT count(*) AS n FROM "${schemas.accounts}".users u JOIN "${schemas.resellers}".clients c ON c.client_id = u.id
                 JOIN "${schemas.ledger}".transfers t ON t.id = 'client:' || u.id WHERE u.email LIKE $1`
              : `SELECT count(*) AS n FROM ${b}.users u JOIN ${b}.clients c ON c.user_id = u.id WHERE u.email LIKE $1`,
            [`${prefix}-%`]
          )
        ).rows[0]?.n ?? 0
      )

    const only = process.env.BENCH_ONLY?.split(",").map(Number)
    const all: ReadonlyArray<Scenario> = [
      {
        name: "single debits, 1 hot account",
        sdk: (n) => sdkDebit(n, hot, pick(cold)),
        baseline: (n) => baselineDebit(n, hot, pick(cold)),
        rows: countTransfers
      },
      {
        name: "single debits, 50 accounts",
        sdk: (n) => sdkDebit(n, ...twoOf()),
        baseline: (n) => baselineDebit(n, ...twoOf()),
        rows: countTransfers
      },
      {
        name: "client creations, 1 reseller",
        sdk: (n) => sdkClient(n, resellers[0] as ResellerCaller),
        baseline: (n) => baselineClient(n, baselineResellers[0] as string),
        rows: countClients
      },
      {
        name: "client creations, 50 resellers",
        sdk: (n) => sdkClient(n, pick(resellers)),
        baseline: (n) => baselineClient(n, pick(baselineResellers)),
        rows: countClients
      }
    ]
    const scenarios = only === undefined ? all : all.filter((_, index) => only.includes(index))

    const results: Array<{
      scenario: string
      side: string
      round: number
      perSecond: number
      nodeMicros: number
      postgresMicros: number
      ok: boolean
    }> = []
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [index, scenario] of scenarios.entries()) {
        const order = round % 2 === 1 ? (["sdk", "baseline"] as const) : (["baseline", "sdk"] as const)
        for (const side of order) {
          const prefix = `r${round}s${index}${side[0]}`
          const run = await drive(side === "sdk" ? scenario.sdk : scenario.baseline, prefix)
          const rows = await scenario.rows(side, prefix)
          const ok = run.errors === 0 && rows === run.total
          results.push({
            scenario: scenario.name,
            side,
            round,
            perSecond: run.perSecond,
            nodeMicros: run.nodeMicros,
            postgresMicros: run.postgresMicros,
            ok
          })
          process.stderr.write(
            `round ${round} ${scenario.name} ${side}: ${run.perSecond.toFixed(0)}/s (CPU an operation: Node ${run.nodeMicros.toFixed(0)} µs, Postgres ${run.postgresMicros.toFixed(0)} µs), ${run.errors} errors, ${rows} rows for ${run.total} operations\n`
          )
        }
      }
    }
    const median = (values: ReadonlyArray<number>) => {
      const sorted = [...values].sort((x, y) => x - y)
      const mid = Math.floor(sorted.length / 2)
      return sorted.length % 2 === 1
        ? (sorted[mid] ?? Number.NaN)
        : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
    }
    const lines = [
      `Credit ledger on Postgres: ${WORKERS} workers, ${POOL} connections a side, ${ROUNDS} round(s) of ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up; ${cpus().length} cores.`,
      "",
      "| operation | SDK /s | pgledger-style SQL function /s | ratio |",
      "| --- | ---: | ---: | ---: |"
    ]
    for (const scenario of scenarios) {
      const of = (side: string) =>
        median(results.filter((r) => r.scenario === scenario.name && r.side === side).map((r) => r.perSecond))
      const s = of("sdk")
      const base = of("baseline")
      lines.push(`| ${scenario.name} | ${s.toFixed(0)} | ${base.toFixed(0)} | ${(s / base).toFixed(2)}× |`)
    }
    lines.push(
      "",
      "Every run:",
      "",
      "| round | operation | side | /s | Node CPU µs an operation | Postgres CPU µs an operation | every operation left its rows |",
      "| --- | --- | --- | ---: | ---: | ---: | --- |"
    )
    for (const r of results)
      lines.push(
        `| ${r.round} | ${r.scenario} | ${r.side} | ${r.perSecond.toFixed(0)} | ${r.nodeMicros.toFixed(0)} | ${r.postgresMicros.toFixed(0)} | ${r.ok ? "yes" : "NO"} |`
      )
    console.log(lines.join("\n"))
    if (results.some((r) => !r.ok)) process.exitCode = 1
  } finally {
    await sdk.dispose()
    await pool.end()
    for (const schema of Object.values(schemas))
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await client.end()
  }
}

await main()
