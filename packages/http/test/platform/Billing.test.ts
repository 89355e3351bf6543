/**
 * The billing part of the platform API over HTTP, on the in-memory payment
 * provider: the trial at signup, checkout and its refusals, the webhook (a
 * signed delivery applied once, anything else 400 and nothing recorded),
 * cancel, the portal, and the admin's numbers.
 */
import type { ProviderEvent } from "@org/billing"
import { PaymentProviderInMemoryControls } from "@org/billing/testing"
import { Context, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Json, type PlatformSurface, platformSurface, signUp } from "./helpers.js"

let surface: PlatformSurface
let admin: string

const ORIGIN = "https://app.syncstream.tv"

beforeAll(async () => {
  surface = await platformSurface({ billing: { allowedRedirectOrigins: [ORIGIN], graceDays: 3 } })
  const session = await signUp(surface, "billing-admin@example.com", "Admin")
  await surface.makeAdmin(session.user.id)
  admin = session.access_token
  const controls = Context.get(surface.context, PaymentProviderInMemoryControls)
  for (const [name, price, amount, profiles] of [
    ["Basic", "price_basic_monthly", 4.99, 2],
    ["Family", "price_family_monthly", 9.99, 5]
  ] as const) {
    const created = await surface.call("POST", "/api/v1/admin/plans", {
      token: admin,
      body: {
        name,
        stripe_price_id: price,
        price_monthly: amount,
        max_profiles: profiles,
        max_playlists: 10,
        max_favorites: 500
      }
    })
    expect(created.status).toBe(201)
    controls.addPrice({
      id: price,
      amountMinor: Math.round(amount * 100),
      currency: "usd",
      interval: "month"
    })
  }
})
afterAll(async () => {
  await surface?.close()
})

const expectError = (response: { status: number; body: Json }, status: number, code: string) => {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code })
  expect(typeof response.body.error.message).toBe("string")
}

const controls = () => Context.get(surface.context, PaymentProviderInMemoryControls)

/** Deliver `events` to the webhook as the provider signs them; the outcomes. */
const deliver = async (events: ReadonlyArray<ProviderEvent>) => {
  const outcomes: Array<string> = []
  for (const event of events) {
    const { body, signature } = controls().sign(event)
    const response = await surface.request("/api/v1/webhooks/stripe", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signature },
      body
    })
    expect(response.status).toBe(200)
    outcomes.push(((await response.json()) as { outcome: string }).outcome)
  }
  return outcomes
}

const checkoutBody = (price = "price_family_monthly") => ({
  price_id: price,
  success_url: `${ORIGIN}/success`,
  cancel_url: `${ORIGIN}/pricing`
})

describe("subscriptions", () => {
  it("signup starts the one trial, on the dearest plan; checkout, webhooks, cancel and the portal follow", async () => {
    const session = await signUp(surface, "john.billing@example.com")
    const token = session.access_token
    const me = await surface.call("GET", "/api/v1/subscriptions/me", { token })
    expect(me.status).toBe(200)
    expect(me.headers.get("cache-control")).toBe("no-store")
    expect(me.body).toMatchObject({
      subscription: {
        status: "trialing",
        source: "trial",
        plan: { name: "Family" },
        cancel_at_period_end: false
      },
      trial_used: true,
      stripe_customer_id: null,
      plan: { name: "Family", max_profiles: 5 },
      plan_source: "subscription"
    })
    expect(Date.parse(me.body.subscription.trial_ends_at) - Date.now()).toBeGreaterThan(6.9 * 86_400_000)

    const checkout = await surface.call("POST", "/api/v1/subscriptions/checkout", {
      token,
      body: checkoutBody()
    })
    expect(checkout.status).toBe(200)
    expect(checkout.body).toMatchObject({ plan: { name: "Family" }, trial_days: 0 })
    expect(checkout.body.url).toMatch(/^https?:\/\//)
    // A double click: the same session.
    const again = await surface.call("POST", "/api/v1/subscriptions/checkout", {
      token,
      body: checkoutBody()
    })
    expect(again.body.session_id).toBe(checkout.body.session_id)

    const events = await Effect.runPromise(controls().completeCheckout(checkout.body.session_id))
    expect(events.length).toBeGreaterThan(0)
    expect(await deliver(events)).toEqual(events.map(() => "applied"))
    expect(await deliver(events)).toEqual(events.map(() => "duplicate"))
    const active = await surface.call("GET", "/api/v1/subscriptions/me", { token })
    expect(active.body).toMatchObject({
      subscription: { status: "active", source: "stripe", price_id: "price_family_monthly", amount: 9.99 },
      plan: { name: "Family" },
      plan_source: "subscription"
    })
    expect(active.body.subscription.stripe_subscription_id).toMatch(/^sub_/)
    expect(active.body.stripe_customer_id).toMatch(/^cus_/)

    // A second checkout while paying: the portal is the place to change plan.
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/checkout", {
        token,
        body: checkoutBody("price_basic_monthly")
      }),
      409,
      "already_subscribed"
    )
    const portal = await surface.call("POST", "/api/v1/subscriptions/portal", { token })
    expect(portal.status).toBe(200)
    expect(portal.body.url).toMatch(/^https?:\/\//)

    const cancel = await surface.call("POST", "/api/v1/subscriptions/cancel", { token })
    expect(cancel.status).toBe(200)
    expect(cancel.body.subscription).toMatchObject({ status: "active", cancel_at_period_end: true })
    expect(cancel.body.plan.name).toBe("Family")
  })

  it("refuses foreign redirects, prices not on sale, unknown fields, kids sessions and anonymous callers", async () => {
    const session = await signUp(surface, "refusals.billing@example.com")
    const token = session.access_token
    const refused = await surface.call("POST", "/api/v1/subscriptions/checkout", {
      token,
      body: { ...checkoutBody(), success_url: "https://evil.example/steal" }
    })
    expectError(refused, 400, "redirect_not_allowed")
    expect(refused.body.error.message).toContain(ORIGIN)
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/checkout", {
        token,
        body: { ...checkoutBody(), cancel_url: "https://app.syncstream.tv.evil.example/" }
      }),
      400,
      "redirect_not_allowed"
    )
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/checkout", {
        token,
        body: checkoutBody("price_nope")
      }),
      400,
      "plan_not_for_sale"
    )
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/checkout", {
        token,
        body: { ...checkoutBody(), coupon: "FREE" }
      }),
      400,
      "validation_error"
    )
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/cancel", { token }),
      409,
      "no_paid_subscription"
    )
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/portal", { token }),
      409,
      "no_billing_account"
    )
    expectError(await surface.call("GET", "/api/v1/subscriptions/me"), 401, "unauthorized")

    const kid = await surface.call("POST", "/api/v1/profiles", {
      token,
      body: { name: "Kid", is_kids_profile: true }
    })
    expect(kid.status).toBe(201)
    const selected = await surface.call("POST", `/api/v1/profiles/${kid.body.id}/select`, { token, body: {} })
    const kidToken = selected.body.access_token
    expectError(
      await surface.call("POST", "/api/v1/subscriptions/checkout", { token: kidToken, body: checkoutBody() }),
      403,
      "kids_profile_restricted"
    )
    // Reading the plan is fine for a kid.
    expect((await surface.call("GET", "/api/v1/subscriptions/me", { token: kidToken })).status).toBe(200)
    expect(
      controls()
        .sessions()
        .filter((s) => s.userId === session.user.id)
    ).toEqual([])
  })

  it("a webhook without a valid signature is 400 and records nothing; a valid one then applies", async () => {
    const session = await signUp(surface, "webhook.billing@example.com")
    const checkout = await surface.call("POST", "/api/v1/subscriptions/checkout", {
      token: session.access_token,
      body: checkoutBody("price_basic_monthly")
    })
    const events = await Effect.runPromise(controls().completeCheckout(checkout.body.session_id))
    const first = events[0] as ProviderEvent
    const { body, signature } = controls().sign(first)
    const post = (headers: Record<string, string>, payload: Uint8Array) =>
      surface.request("/api/v1/webhooks/stripe", { method: "POST", headers, body: payload })
    for (const response of [
      await post({ "content-type": "application/json" }, body),
      await post({ "content-type": "application/json", "stripe-signature": "t=1,v1=forged" }, body),
      await post(
        { "content-type": "application/json", "stripe-signature": signature },
        new TextEncoder().encode(new TextDecoder().decode(body).replace("}", " }"))
      )
    ]) {
      expect(response.status).toBe(400)
      expect(((await response.json()) as Json).error.code).toBe("invalid_signature")
    }
    // Nothing was recorded: the genuine delivery is the first, and applies.
    expect(await deliver([first])).toEqual(["applied"])
  })

  it("admin stats count users by role, active subscriptions by plan, MRR, trials and past due", async () => {
    const before = await surface.call("GET", "/api/v1/admin/stats", { token: admin })
    expect(before.status).toBe(200)
    const session = await signUp(surface, "stats.billing@example.com")
    const checkout = await surface.call("POST", "/api/v1/subscriptions/checkout", {
      token: session.access_token,
      body: checkoutBody("price_basic_monthly")
    })
    await deliver(await Effect.runPromise(controls().completeCheckout(checkout.body.session_id)))
    const after = await surface.call("GET", "/api/v1/admin/stats", { token: admin })
    expect(after.body.total_users).toBe(before.body.total_users + 1)
    expect(after.body.users_by_role.user).toBe(before.body.users_by_role.user + 1)
    expect(after.body.active_subscriptions).toBe(before.body.active_subscriptions + 1)
    expect(after.body.mrr).toBeCloseTo(before.body.mrr + 4.99, 2)
    expect(after.body.currency).toBe("usd")
    // The new account's trial gave way to the paid subscription.
    expect(after.body.trials_running).toBe(before.body.trials_running)
    const basic = after.body.subscriptions_by_plan.find((p: Json) => p.plan_name === "Basic")
    expect(basic.active_subscriptions).toBeGreaterThanOrEqual(1)
    expect(Object.keys(after.body).sort()).toEqual(
      [
        "active_subscriptions",
        "currency",
        "mrr",
        "mrr_by_currency",
        "past_due",
        "subscriptions_by_plan",
        "total_users",
        "trials_running",
        "users_by_role"
      ].sort()
    )
    expectError(
      await surface.call("GET", "/api/v1/admin/stats", { token: session.access_token }),
      403,
      "forbidden"
    )
  })
})
