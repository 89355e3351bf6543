/**
 * Credits and resellers over HTTP (in memory): the seed's reseller scenario
 * end to end, `Idempotency-Key` on grants and client creation, 402 with the
 * balance and the price, pages of up to 1,000, and a reseller who sees only
 * their own clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Json, type PlatformSurface, platformSurface, signUp } from "./helpers.js"

let surface: PlatformSurface
let admin: string

beforeAll(async () => {
  surface = await platformSurface()
  const session = await signUp(surface, "resellers-admin@example.com", "Admin")
  await surface.makeAdmin(session.user.id)
  admin = session.access_token
  const created = await surface.call("POST", "/api/v1/admin/plans", {
    token: admin,
    body: {
      name: "Basic",
      stripe_price_id: "price_basic_monthly",
      price_monthly: 4.99,
      max_profiles: 2,
      max_playlists: 10,
      max_favorites: 500
    }
  })
  expect(created.status).toBe(201)
})
afterAll(async () => {
  await surface?.close()
})

const expectError = (response: { status: number; body: Json }, status: number, code: string) => {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code })
  expect(typeof response.body.error.message).toBe("string")
}

/** A reseller with `credits`, granted by the admin: their token and id. */
const newReseller = async (email: string, credits: number) => {
  const session = await signUp(surface, email, "Alex")
  const role = await surface.call("PATCH", `/api/v1/admin/users/${session.user.id}/role`, {
    token: admin,
    body: { role: "reseller" }
  })
  expect(role.status).toBe(200)
  if (credits > 0) {
    const grant = await surface.call("POST", "/api/v1/admin/credits/add", {
      token: admin,
      body: { user_id: session.user.id, amount: credits, description: "Initial reseller credit package" }
    })
    expect(grant.status).toBe(201)
  }
  return { token: session.access_token, id: session.user.id }
}

const client = (n: number, tag: string) => ({
  email: `customer${n}-${tag}@gmail.com`,
  password: "tempPass123",
  full_name: `Local Customer ${n}`,
  plan_stripe_price_id: "price_basic_monthly"
})

describe("credits and resellers over HTTP", () => {
  it("the seed's scenario 5: role, credits, dashboard, a client for 499 credits, the reports", async () => {
    const alex = await newReseller("alex@example.com", 10_000)
    const user = await surface.call("GET", `/api/v1/admin/users/${alex.id}`, { token: admin })
    expect(user.body).toMatchObject({ user: { role: "reseller" }, credits_balance: 10_000 })
    const dashboard = await surface.call("GET", "/api/v1/reseller/dashboard", { token: alex.token })
    expect(dashboard.body).toEqual({
      credits_balance: 10_000,
      total_clients: 0,
      active_clients: 0,
      credits_spent_this_month: 0
    })
    const created = await surface.call("POST", "/api/v1/reseller/clients", {
      token: alex.token,
      headers: { "Idempotency-Key": "unique-key-123" },
      body: client(1, "s5")
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      client: {
        email: "customer1-s5@gmail.com",
        full_name: "Local Customer 1",
        plan_name: "Basic",
        status: "active",
        credits_per_period: 499,
        auto_renew: true
      },
      credits_charged: 499,
      credits_balance: 9_501
    })
    expect(JSON.stringify(created.body)).not.toContain("tempPass123")
    // The client signs in with the password the reseller chose, on Basic.
    const login = await surface.call("POST", "/api/v1/auth/login", {
      body: { email: "customer1-s5@gmail.com", password: "tempPass123" }
    })
    expect(login.status).toBe(200)
    const me = await surface.call("GET", "/api/v1/subscriptions/me", { token: login.body.access_token })
    expect(me.body).toMatchObject({ subscription: { status: "active" } })
    const list = await surface.call("GET", "/api/v1/reseller/clients?page=1&limit=20", { token: alex.token })
    expect(list.body).toMatchObject({ page: 1, limit: 20, total: 1 })
    expect(list.body.clients[0].id).toBe(created.body.client.id)
    const transactions = await surface.call("GET", "/api/v1/reseller/transactions", { token: alex.token })
    expect(transactions.body.transactions.map((t: Json) => [t.kind, t.amount, t.balance_after])).toEqual([
      ["client_creation", -499, 9_501],
      ["grant", 10_000, 10_000]
    ])
    expect((await surface.call("GET", "/api/v1/reseller/dashboard", { token: alex.token })).body).toEqual({
      credits_balance: 9_501,
      total_clients: 1,
      active_clients: 1,
      credits_spent_this_month: 499
    })
  })

  it("Idempotency-Key: a retried creation answers the first answer and debits once; another body is 422", async () => {
    const alex = await newReseller("bea@example.com", 2_000)
    const send = (body: unknown) =>
      surface.call("POST", "/api/v1/reseller/clients", {
        token: alex.token,
        headers: { "Idempotency-Key": "order-12345" },
        body
      })
    const first = await send(client(1, "idem"))
    const again = await send(client(1, "idem"))
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(again.body).toEqual(first.body)
    expectError(await send(client(2, "idem")), 422, "idempotency_key_reused")
    const dashboard = await surface.call("GET", "/api/v1/reseller/dashboard", { token: alex.token })
    expect(dashboard.body).toMatchObject({ credits_balance: 1_501, total_clients: 1 })
    // Grants take a key too.
    const grant = (key: string) =>
      surface.call("POST", "/api/v1/admin/credits/add", {
        token: admin,
        headers: { "Idempotency-Key": key },
        body: { user_id: alex.id, amount: 100, description: "Compensation" }
      })
    const g1 = await grant("purchase-67890")
    const g2 = await grant("purchase-67890")
    expect(g2.body).toEqual(g1.body)
    expect(g1.body).toMatchObject({ amount: 100, credits_balance: 1_601 })
    expect(
      (await surface.call("GET", "/api/v1/reseller/dashboard", { token: alex.token })).body.credits_balance
    ).toBe(1_601)
  })

  it("not enough credits: 402 with the balance and the price, and nothing is created", async () => {
    const alex = await newReseller("carl@example.com", 600)
    expect(
      (await surface.call("POST", "/api/v1/reseller/clients", { token: alex.token, body: client(1, "402") }))
        .status
    ).toBe(201)
    const refused = await surface.call("POST", "/api/v1/reseller/clients", {
      token: alex.token,
      body: client(2, "402")
    })
    expectError(refused, 402, "insufficient_credits")
    expect(refused.body.error).toMatchObject({ balance: 101, price: 499 })
    const login = await surface.call("POST", "/api/v1/auth/login", {
      body: { email: "customer2-402@gmail.com", password: "tempPass123" }
    })
    expect(login.status).toBe(401)
    expect(
      (await surface.call("GET", "/api/v1/reseller/dashboard", { token: alex.token })).body.total_clients
    ).toBe(1)
  })

  it("a reseller sees only their own clients; pages up to 1,000; only resellers and admins pass", async () => {
    const alex = await newReseller("dora@example.com", 5_000)
    const other = await newReseller("eve@example.com", 0)
    const created = await surface.call("POST", "/api/v1/reseller/clients", {
      token: alex.token,
      body: client(1, "own")
    })
    const id = created.body.client.id
    expectError(
      await surface.call("GET", `/api/v1/reseller/clients/${id}`, { token: other.token }),
      404,
      "not_found"
    )
    expectError(
      await surface.call("PATCH", `/api/v1/reseller/clients/${id}`, {
        token: other.token,
        body: { auto_renew: false }
      }),
      404,
      "not_found"
    )
    expect((await surface.call("GET", "/api/v1/reseller/clients", { token: other.token })).body.total).toBe(0)
    const stopped = await surface.call("PATCH", `/api/v1/reseller/clients/${id}`, {
      token: alex.token,
      body: { auto_renew: false }
    })
    expect(stopped.body).toMatchObject({ id, auto_renew: false, status: "active" })
    expect(
      (await surface.call("GET", "/api/v1/reseller/clients?limit=1000", { token: alex.token })).status
    ).toBe(200)
    expectError(
      await surface.call("GET", "/api/v1/reseller/clients?limit=1001", { token: alex.token }),
      400,
      "validation_error"
    )
    const plain = await signUp(surface, "plain@example.com")
    expectError(
      await surface.call("GET", "/api/v1/reseller/dashboard", { token: plain.access_token }),
      403,
      "forbidden"
    )
    expectError(
      await surface.call("POST", "/api/v1/admin/credits/add", {
        token: plain.access_token,
        body: { user_id: plain.user.id, amount: 10 }
      }),
      403,
      "forbidden"
    )
    expectError(
      await surface.call("POST", "/api/v1/admin/credits/add", {
        token: admin,
        body: { user_id: plain.user.id, amount: 0 }
      }),
      400,
      "validation_error"
    )
    expectError(
      await surface.call("POST", "/api/v1/admin/credits/add", {
        token: admin,
        body: { user_id: "00000000-0000-4000-8000-000000000000", amount: 5 }
      }),
      404,
      "not_found"
    )
  })
})
