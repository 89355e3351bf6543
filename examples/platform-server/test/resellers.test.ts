/**
 * Resellers end to end, over HTTP against the example as a child process on
 * the Postgres server: one `Idempotency-Key` sent fifty times at once makes one
 * client and one debit; the seed's load case (50 resellers creating 20 clients
 * each, at once) leaves every balance equal to grants minus debits with no
 * client without a debit and no debit without a client; and a SIGKILL in the
 * middle of such a load, a restart and a retry of every unanswered request
 * with its key end in the same state as without the crash.
 */
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresServerAnswers, type RunningChild, startChild } from "./child.js"

const serverUp = await postgresServerAnswers()

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
type Json = any

const PRICE = 499
const ADMIN_PASSWORD = `admin-${randomUUID()}`

const describeOnServer = serverUp || process.env.TEST_DATABASE_URL !== undefined ? describe : describe.skip

describeOnServer("resellers over HTTP on the Postgres server", () => {
  const tag = randomUUID().slice(0, 8)
  const priceId = `price_resale_${tag}`
  const env = {
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    JWT_SECRET: `test-jwt-secret-${randomUUID()}`,
    ADMIN_EMAIL: `admin-${tag}@example.com`,
    ADMIN_PASSWORD,
    LOG_LEVEL: "warning",
    // 50 resellers sign up and in from one address within a minute.
    AUTH_RATE_LIMIT: "0"
  }
  let child: RunningChild
  let admin: string

  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; token?: string; key?: string } = {}
  ): Promise<{ status: number; body: Json; replayed: boolean }> => {
    const response = await fetch(`${child.url}/api/v1${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.key === undefined ? {} : { "idempotency-key": options.key })
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    const text = await response.text()
    return {
      status: response.status,
      body: text.length > 0 ? JSON.parse(text) : undefined,
      replayed: response.headers.get("idempotent-replayed") === "true"
    }
  }

  /** A reseller granted `credits`: their token and id. */
  const reseller = async (name: string, credits: number) => {
    const email = `${name}-${tag}@example.com`
    const signup = await call("POST", "/auth/signup", {
      body: { email, password: "securePass123", full_name: name }
    })
    expect(signup.status).toBe(201)
    const id = signup.body.user.id as string
    expect(
      (await call("PATCH", `/admin/users/${id}/role`, { token: admin, body: { role: "reseller" } })).status
    ).toBe(200)
    const grant = await call("POST", "/admin/credits/add", {
      token: admin,
      key: `grant-${id}`,
      body: { user_id: id, amount: credits, description: "load test credits" }
    })
    expect(grant.status).toBe(201)
    // A fresh token carries the reseller role.
    const login = await call("POST", "/auth/login", { body: { email, password: "securePass123" } })
    return { id, token: login.body.access_token as string }
  }

  const clientBody = (reseller: string, n: number) => ({
    email: `c${n}-${reseller.slice(0, 8)}-${tag}@example.com`,
    password: "tempPass123",
    full_name: `Client ${n}`,
    plan_stripe_price_id: priceId
  })

  /** What a reseller's books say: balance, clients, and the client-creation debits. */
  const books = async (token: string) => {
    const dashboard = (await call("GET", "/reseller/dashboard", { token })).body
    const clients = (await call("GET", "/reseller/clients?limit=1000", { token })).body
    const transactions = (await call("GET", "/reseller/transactions?limit=1000", { token })).body
    const debits = transactions.transactions.filter((t: Json) => t.kind === "client_creation")
    const granted = transactions.transactions
      .filter((t: Json) => t.kind === "grant")
      .reduce((sum: number, t: Json) => sum + t.amount, 0)
    return {
      balance: dashboard.credits_balance as number,
      total: dashboard.total_clients as number,
      clientIds: new Set<string>(clients.clients.map((c: Json) => c.id)),
      debitClientIds: new Set<string>(debits.map((t: Json) => String(t.id).replace(/^client:/, ""))),
      debited: debits.reduce((sum: number, t: Json) => sum - t.amount, 0) as number,
      granted
    }
  }

  beforeAll(async () => {
    child = await startChild(env)
    const login = await call("POST", "/auth/login", {
      body: { email: env.ADMIN_EMAIL, password: ADMIN_PASSWORD }
    })
    expect(login.status).toBe(200)
    admin = login.body.access_token
    const plan = await call("POST", "/admin/plans", {
      token: admin,
      body: {
        name: `Resale ${tag}`,
        stripe_price_id: priceId,
        price_monthly: PRICE / 100,
        max_profiles: 2,
        max_playlists: 10,
        max_favorites: 500
      }
    })
    expect(plan.status).toBe(201)
  }, 120_000)

  afterAll(async () => {
    expect(await child?.stop()).toBe(0)
  }, 60_000)

  it("50 concurrent creations with one Idempotency-Key: one client, one debit, one answer (or 409, then that answer)", async () => {
    const alex = await reseller("alex", 10_000)
    const body = clientBody(alex.id, 1)
    const send = () => call("POST", "/reseller/clients", { token: alex.token, key: "client-12345", body })
    const answers = await Promise.all(Array.from({ length: 50 }, send))
    const created = answers.filter((a) => a.status === 201)
    expect(created.length).toBeGreaterThanOrEqual(1)
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true)
    const first = created[0]?.body
    for (const answer of created) expect(answer.body).toEqual(first)
    // Each 409 retried once the first is done gets the same answer.
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.body.error.code).toBe("idempotency_key_in_use")
      const retried = await send()
      expect(retried.status).toBe(201)
      expect(retried.body).toEqual(first)
    }
    const after = await books(alex.token)
    expect(after.total).toBe(1)
    expect(after.balance).toBe(10_000 - PRICE)
    expect([...after.debitClientIds]).toEqual([first.client.id])
    const other = await call("POST", "/reseller/clients", {
      token: alex.token,
      key: "client-12345",
      body: clientBody(alex.id, 2)
    })
    expect(other.status).toBe(422)
    expect(other.body.error.code).toBe("idempotency_key_reused")
  }, 120_000)

  it("the seed's load: 50 resellers create 20 clients each at once; every balance is grants minus debits, every client has its debit", async () => {
    const resellers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => reseller(`load${i}`, 20 * PRICE + 1_000))
    )
    const answers = await Promise.all(
      resellers.map(async (r) => {
        const statuses: Array<number> = []
        for (let n = 0; n < 20; n++) {
          const answer = await call("POST", "/reseller/clients", {
            token: r.token,
            key: `order-${r.id}-${n}`,
            body: clientBody(r.id, n)
          })
          statuses.push(answer.status)
        }
        return statuses
      })
    )
    expect(answers.flat().every((status) => status === 201)).toBe(true)
    for (const r of resellers) {
      const b = await books(r.token)
      expect(b.total).toBe(20)
      expect(b.balance).toBe(b.granted - b.debited)
      expect(b.balance).toBe(1_000)
      expect(b.debitClientIds).toEqual(b.clientIds)
    }
  }, 300_000)

  it("SIGKILL in the middle of the load, restart, every unanswered request retried with its key: the same state as without the crash", async () => {
    const resellers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => reseller(`crash${i}`, 10 * PRICE + 7))
    )
    const requests = resellers.flatMap((r) =>
      Array.from({ length: 10 }, (_, n) => ({ r, n, key: `crash-order-${r.id}-${n}` }))
    )
    const answered = new Map<string, Json>()
    let sent = 0
    const killAfter = 30
    const inFlight = requests.map(async (request) => {
      sent++
      try {
        const answer = await call("POST", "/reseller/clients", {
          token: request.r.token,
          key: request.key,
          body: clientBody(request.r.id, request.n)
        })
        if (answer.status === 201) answered.set(request.key, answer.body)
        if (answered.size === killAfter) child.process.kill("SIGKILL")
      } catch {
        // The connection died with the server: no answer.
      }
    })
    await Promise.all(inFlight)
    expect(sent).toBe(requests.length)
    expect(await child.exited).toBe(null)
    expect(answered.size).toBeGreaterThanOrEqual(killAfter)
    expect(answered.size).toBeLessThan(requests.length)
    child = await startChild(env)
    // Fresh tokens: the signing secret is the same, but be as a client would after an outage.
    for (const request of requests) {
      const answer = await call("POST", "/reseller/clients", {
        token: request.r.token,
        key: request.key,
        body: clientBody(request.r.id, request.n)
      })
      expect(answer.status).toBe(201)
      const before = answered.get(request.key)
      if (before !== undefined) {
        expect(answer.replayed).toBe(true)
        expect(answer.body).toEqual(before)
      }
    }
    for (const r of resellers) {
      const b = await books(r.token)
      expect(b.total).toBe(10)
      expect(b.balance).toBe(7)
      expect(b.balance).toBe(b.granted - b.debited)
      expect(b.debitClientIds).toEqual(b.clientIds)
    }
  }, 300_000)
})
