/**
 * Billing end to end, over HTTP against the example started as a child
 * process with STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_URL
 * pointing at a fake Stripe on loopback, which the real `stripe` client in the
 * server talks to. The test delivers Stripe's events itself, signed as Stripe
 * signs them: in order, twice and shuffled (seeded), forged, stale, changed
 * after signing, fifty at once, and across a crash of the server.
 */
import { randomUUID } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FakeStripe, type StripeEventJson, signPayload, WebhookSender } from "@org/stripe/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresServerAnswers, type RunningChild, startChild } from "./child.js"

const PASSWORD = "securePass123"
const ADMIN_PASSWORD = `admin-${randomUUID()}`
const SECRET_KEY = `sk_test_${randomUUID().replaceAll("-", "")}`
const WEBHOOK_SECRET = `whsec_${randomUUID().replaceAll("-", "")}`
const ORIGIN = "https://app.syncstream.tv"
/** 0.0001 days: 8.64 s of grace, so the test sees it end. */
const GRACE_DAYS = "0.0001"
/** Shuffled orders: at least 20, from this seed on (BILLING_SHUFFLE_SEED to replay one). */
const SEED = Number(process.env.BILLING_SHUFFLE_SEED ?? 20261207)
const ORDERS = 20

const serverUp = await postgresServerAnswers()

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
type Json = any

/** mulberry32: a small seeded generator, so a failing order can be replayed. */
const random = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const shuffle = <A>(items: ReadonlyArray<A>, seed: number): Array<A> => {
  const next = random(seed)
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j] as A, out[i] as A]
  }
  return out
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const targets: ReadonlyArray<{
  readonly name: string
  readonly fresh: boolean
  readonly env: () => Promise<Record<string, string>>
}> = [
  {
    name: "embedded PGlite",
    fresh: true,
    env: async () => ({ DATA_DIR: await mkdtemp(join(tmpdir(), "platform-billing-")) })
  },
  ...(serverUp || process.env.TEST_DATABASE_URL !== undefined
    ? [
        {
          name: "the Postgres server",
          fresh: false,
          env: async () => ({
            DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
            JWT_SECRET: `test-jwt-secret-${randomUUID()}`
          })
        }
      ]
    : [])
]

for (const target of targets) {
  describe(`billing over HTTP on ${target.name}`, () => {
    let stripe: FakeStripe
    let child: RunningChild
    let env: Record<string, string>
    let sender: WebhookSender
    let admin: string
    let statsBefore: Json
    const tag = randomUUID().slice(0, 8)
    const email = (name: string) => `${name}-${tag}@example.com`
    const adminEmail = `admin-${tag}@example.com`

    const serverEnv = () => ({
      ...env,
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
      ALLOWED_REDIRECT_ORIGINS: `${ORIGIN}, https://admin.syncstream.tv`,
      BILLING_GRACE_DAYS: GRACE_DAYS,
      TRIAL_DAYS: "7",
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD,
      LOG_LEVEL: "info"
    })

    const call = async (method: string, path: string, options: { body?: unknown; token?: string } = {}) => {
      const response = await fetch(`${child.url}/api/v1${path}`, {
        method,
        headers: {
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` })
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
      })
      const text = await response.text()
      return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as Json }
    }

    const signUp = async (name: string) => {
      const signed = await call("POST", "/auth/signup", {
        body: { email: email(name), password: PASSWORD, full_name: name }
      })
      expect(signed.status).toBe(201)
      return signed.body.access_token as string
    }

    const me = async (token: string) => {
      const answer = await call("GET", "/subscriptions/me", { token })
      expect(answer.status).toBe(200)
      return answer.body
    }

    /** Deliver one event as Stripe does; the receipt's outcome. */
    const deliver = async (event: StripeEventJson) => {
      const answer = await sender.send(event)
      expect(answer.status, answer.body).toBe(200)
      return (JSON.parse(answer.body) as { outcome: string }).outcome
    }

    /**
     * A customer's whole story at Stripe, nothing delivered yet: checkout of
     * Family, its first invoice paid, a renewal whose payment fails, the retry
     * paid. Answers the events in the order Stripe emitted them.
     */
    const storyAtStripe = async (token: string) => {
      const from = stripe.events.length
      const checkout = await call("POST", "/subscriptions/checkout", {
        token,
        body: {
          price_id: "price_family_monthly",
          success_url: `${ORIGIN}/success`,
          cancel_url: `${ORIGIN}/pricing`
        }
      })
      expect(checkout.status).toBe(200)
      const subscription = stripe.completeCheckout(checkout.body.session_id)
      const subscriptionId = String(subscription.id)
      // Each step a second later at Stripe, as a renewal and its retry are days apart.
      stripe.advanceClock(1)
      stripe.renew(subscriptionId, "failed", stripe.now())
      stripe.advanceClock(1)
      stripe.payOpenInvoice(subscriptionId)
      return { events: stripe.events.slice(from), subscriptionId }
    }

    /** What the final state must be: the subscription as Stripe holds it. */
    const expectedState = (subscriptionId: string) => {
      const subscription = stripe.subscriptions.get(subscriptionId) as Json
      const item = subscription.items.data[0]
      return {
        status: subscription.status,
        source: "stripe",
        plan: "Family",
        price_id: item.price.id,
        current_period_end: new Date(item.current_period_end * 1000).toISOString(),
        cancel_at_period_end: false,
        grace_ends_at: null,
        stripe_subscription_id: subscriptionId
      }
    }

    const stateOf = (overview: Json) => ({
      status: overview.subscription?.status,
      source: overview.subscription?.source,
      plan: overview.subscription?.plan?.name,
      price_id: overview.subscription?.price_id,
      current_period_end: overview.subscription?.current_period_end,
      cancel_at_period_end: overview.subscription?.cancel_at_period_end,
      grace_ends_at: overview.subscription?.grace_ends_at,
      stripe_subscription_id: overview.subscription?.stripe_subscription_id
    })

    beforeAll(async () => {
      env = await target.env()
      stripe = await FakeStripe.start({ secretKey: SECRET_KEY })
      stripe.addPrice({ id: "price_basic_monthly", unitAmount: 499 })
      stripe.addPrice({ id: "price_family_monthly", unitAmount: 999 })
      stripe.addPrice({ id: "price_family_yearly", unitAmount: 9990, interval: "year" })
      child = await startChild(serverEnv())
      sender = new WebhookSender({ url: `${child.url}/api/v1/webhooks/stripe`, secret: WEBHOOK_SECRET })
      const login = await call("POST", "/auth/login", {
        body: { email: adminEmail, password: ADMIN_PASSWORD }
      })
      expect(login.status).toBe(200)
      admin = login.body.access_token
      const plans = await call("GET", "/admin/plans", { token: admin })
      const ensure = async (name: string, price: string, amount: number, profiles: number) => {
        if (plans.body.plans.some((plan: Json) => plan.stripe_price_id === price)) return
        const created = await call("POST", "/admin/plans", {
          token: admin,
          body: {
            name,
            stripe_price_id: price,
            price_monthly: amount,
            max_profiles: profiles,
            max_playlists: 10,
            max_favorites: 500,
            features: { hd: true }
          }
        })
        expect(created.status).toBe(201)
      }
      await ensure("Basic", "price_basic_monthly", 4.99, 2)
      await ensure("Family", "price_family_monthly", 9.99, 5)
      await ensure("Family yearly", "price_family_yearly", 8.33, 5)
      statsBefore = (await call("GET", "/admin/stats", { token: admin })).body
      if (target.fresh)
        expect(statsBefore).toMatchObject({
          total_users: 1,
          users_by_role: { user: 0, reseller: 0, admin: 1 },
          active_subscriptions: 0,
          mrr: 0,
          trials_running: 0,
          past_due: 0
        })
    }, 120_000)

    afterAll(async () => {
      const code = await child?.stop()
      await stripe?.close()
      if (env?.DATA_DIR !== undefined) await rm(env.DATA_DIR, { recursive: true, force: true })
      expect(code).toBe(0)
    }, 60_000)

    it("the story: trial → checkout → active with the plan's limits → past due, limits kept → grace over, free limits, nothing deleted → paid, active again", async () => {
      const token = await signUp("john")
      expect(await me(token)).toMatchObject({
        subscription: { status: "trialing", source: "trial" },
        trial_used: true,
        plan_source: "subscription"
      })
      const plans = await call("GET", "/subscriptions/plans")
      expect(plans.body.plans.map((plan: Json) => plan.stripe_price_id)).toEqual(
        expect.arrayContaining(["price_family_monthly", "price_basic_monthly"])
      )

      const checkout = await call("POST", "/subscriptions/checkout", {
        token,
        body: {
          price_id: "price_family_monthly",
          success_url: `${ORIGIN}/success`,
          cancel_url: `${ORIGIN}/pricing`
        }
      })
      expect(checkout.status).toBe(200)
      expect(checkout.body.url).toBe(`${stripe.url}/checkout/${checkout.body.session_id}`)
      const session = stripe.sessions.get(checkout.body.session_id) as Json
      expect(session).toMatchObject({ mode: "subscription", client_reference_id: expect.any(String) })

      const from = stripe.events.length
      const subscription = stripe.completeCheckout(checkout.body.session_id)
      const subscriptionId = String(subscription.id)
      const started = stripe.events.slice(from)
      expect(started.map((event) => event.type).sort()).toEqual(
        ["checkout.session.completed", "customer.subscription.created", "invoice.paid"].sort()
      )
      for (const event of started) expect(await deliver(event)).toBe("applied")
      expect(stateOf(await me(token))).toEqual({ ...expectedState(subscriptionId), status: "active" })
      expect((await me(token)).plan).toMatchObject({ name: "Family", max_profiles: 5 })

      // The Family plan's five profiles: the default one and four more.
      for (const name of ["Sarah", "Tom", "Amy", "Leo"]) {
        const created = await call("POST", "/profiles", { token, body: { name } })
        expect(created.status).toBe(201)
      }
      const sixth = await call("POST", "/profiles", { token, body: { name: "Max" } })
      expect([sixth.status, sixth.body.error.code]).toEqual([422, "plan_limit_reached"])

      // The renewal's payment fails: past due, and the plan is kept during the grace.
      const failedFrom = stripe.events.length
      stripe.advanceClock(1)
      stripe.renew(subscriptionId, "failed", stripe.now())
      for (const event of stripe.events.slice(failedFrom)) expect(await deliver(event)).toBe("applied")
      const pastDue = await me(token)
      expect(pastDue.subscription.status).toBe("past_due")
      expect(pastDue.subscription.grace_ends_at).not.toBeNull()
      expect(pastDue.plan.name).toBe("Family")

      // The grace ends: the free plan's limits, every profile still there and usable.
      const graceEnds = Date.parse(pastDue.subscription.grace_ends_at)
      await sleep(Math.max(0, graceEnds - Date.now()) + 250)
      const lapsed = await me(token)
      expect(lapsed.subscription.status).toBe("past_due")
      expect(lapsed.plan.is_default).toBe(true)
      expect(lapsed.plan_source).toBe("default")
      const profiles = await call("GET", "/profiles", { token })
      expect(profiles.body.profiles).toHaveLength(5)
      const select = await call("POST", `/profiles/${profiles.body.profiles[4].id}/select`, {
        token,
        body: {}
      })
      expect(select.status).toBe(200)
      const refused = await call("POST", "/profiles", { token, body: { name: "Max" } })
      expect([refused.status, refused.body.error.code]).toEqual([422, "plan_limit_reached"])

      // The retry is paid: active, the Family limits again.
      const paidFrom = stripe.events.length
      stripe.advanceClock(1)
      stripe.payOpenInvoice(subscriptionId)
      for (const event of stripe.events.slice(paidFrom)) expect(await deliver(event)).toBe("applied")
      const active = await me(token)
      expect(stateOf(active)).toEqual(expectedState(subscriptionId))
      expect(active.plan.name).toBe("Family")
      expect((await call("POST", "/profiles", { token, body: { name: "Max" } })).status).toBe(422)
      expect((await call("GET", "/profiles", { token })).body.profiles).toHaveLength(5)

      // Cancel at period end: still Family until then; Stripe's word arrives later too.
      const cancelFrom = stripe.events.length
      const canceled = await call("POST", "/subscriptions/cancel", { token })
      expect(canceled.status).toBe(200)
      expect(canceled.body.subscription).toMatchObject({ status: "active", cancel_at_period_end: true })
      expect(canceled.body.plan.name).toBe("Family")
      for (const event of stripe.events.slice(cancelFrom)) expect(await deliver(event)).toBe("applied")
      const portal = await call("POST", "/subscriptions/portal", {
        token,
        body: { return_url: "https://admin.syncstream.tv/account" }
      })
      expect(portal.status).toBe(200)
      expect(portal.body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)

      // Stripe ends it at period end: canceled, the free plan at once.
      const endFrom = stripe.events.length
      stripe.advanceClock(1)
      stripe.endSubscription(subscriptionId)
      for (const event of stripe.events.slice(endFrom)) expect(await deliver(event)).toBe("applied")
      const ended = await me(token)
      expect(ended.subscription.status).toBe("canceled")
      expect(ended.plan_source).toBe("default")
      expect((await call("GET", "/profiles", { token })).body.profiles).toHaveLength(5)
    }, 120_000)

    it(`every event twice, in ${ORDERS} seeded shuffled orders, ends where the in-order delivery ends`, async () => {
      // The same story delivered in order: the reference.
      const reference = await signUp("in-order")
      const ordered = await storyAtStripe(reference)
      for (const event of ordered.events) expect(await deliver(event)).toBe("applied")
      const referenceState = stateOf(await me(reference))
      expect(referenceState).toEqual(expectedState(ordered.subscriptionId))
      const shape = ({ current_period_end: _, stripe_subscription_id: __, ...rest }: Json) => rest

      for (let order = 0; order < ORDERS; order++) {
        const seed = SEED + order
        const token = await signUp(`shuffled-${order}`)
        const story = await storyAtStripe(token)
        const deliveries = shuffle([...story.events, ...story.events], seed)
        const outcomes: Array<string> = []
        for (const event of deliveries) outcomes.push(await deliver(event))
        const replay = `seed ${seed} (BILLING_SHUFFLE_SEED=${seed}): ${deliveries.map((event) => event.type).join(", ")}`
        expect(outcomes.filter((outcome) => outcome === "duplicate").length, replay).toBe(story.events.length)
        const state = stateOf(await me(token))
        expect(state, replay).toEqual(expectedState(story.subscriptionId))
        expect(shape(state), replay).toEqual(shape(referenceState))
      }
    }, 300_000)

    it("a forged signature, a stale timestamp, a body changed after signing, another secret or none → 400, nothing recorded", async () => {
      const token = await signUp("faults")
      const checkout = await call("POST", "/subscriptions/checkout", {
        token,
        body: { price_id: "price_basic_monthly", success_url: `${ORIGIN}/s`, cancel_url: `${ORIGIN}/c` }
      })
      const from = stripe.events.length
      stripe.completeCheckout(checkout.body.session_id)
      const events = stripe.events.slice(from)
      const created = events.find(
        (event) => event.type === "customer.subscription.created"
      ) as StripeEventJson
      const payload = JSON.stringify(created, null, 2)
      const now = Math.floor(Date.now() / 1000)
      const attempts = [
        sender.send(created, { signature: `t=${now},v1=${"0".repeat(64)}` }),
        sender.send(created, { timestamp: now - 301 }),
        sender.send(created, {
          tamper: (text) => text.replace('"status": "active"', '"status": "canceled"')
        }),
        sender.send(created, { signature: signPayload(payload, "whsec_another_secret") }),
        sender.send(created, { signature: null }),
        sender.send(created, { signature: "v1=abc" })
      ]
      for (const answer of await Promise.all(attempts)) {
        expect(answer.status, answer.body).toBe(400)
        expect(JSON.parse(answer.body).error.code).toBe("invalid_signature")
      }
      expect((await me(token)).subscription.source).toBe("trial")
      // Nothing was recorded under its id: the genuine delivery applies.
      expect(await deliver(created)).toBe("applied")
      expect((await me(token)).subscription).toMatchObject({ source: "stripe", status: "active" })
    }, 60_000)

    it("fifty concurrent deliveries of one event: one effect, forty-nine duplicates", async () => {
      const token = await signUp("concurrent")
      const checkout = await call("POST", "/subscriptions/checkout", {
        token,
        body: { price_id: "price_family_yearly", success_url: `${ORIGIN}/s`, cancel_url: `${ORIGIN}/c` }
      })
      const from = stripe.events.length
      stripe.completeCheckout(checkout.body.session_id)
      const events = stripe.events.slice(from)
      const outcomes = await Promise.all(
        events.flatMap((event) => Array.from({ length: 50 }, () => deliver(event)))
      )
      for (const [index, event] of events.entries()) {
        const mine = outcomes.slice(index * 50, index * 50 + 50)
        expect(
          mine.filter((outcome) => outcome === "applied"),
          event.type
        ).toHaveLength(1)
        expect(
          mine.filter((outcome) => outcome === "duplicate"),
          event.type
        ).toHaveLength(49)
      }
      expect((await me(token)).subscription).toMatchObject({
        status: "active",
        interval: "year",
        amount: 99.9
      })
    }, 60_000)

    it("admin stats: the totals of what this run made", async () => {
      const stats = (await call("GET", "/admin/stats", { token: admin })).body
      // Made here: john (canceled), in-order and 20 shuffled (Family monthly, active),
      // faults (Basic, active), concurrent (Family yearly, active).
      const newUsers = 1 + 1 + ORDERS + 1 + 1
      // On a shared database other suites sign users up meanwhile (each with a trial): counted on a fresh one only.
      if (target.fresh) {
        expect(stats.total_users).toBe(statsBefore.total_users + newUsers)
        expect(stats.users_by_role.user).toBe(statsBefore.users_by_role.user + newUsers)
        expect(stats.trials_running).toBe(statsBefore.trials_running)
      }
      expect(stats.active_subscriptions).toBe(statsBefore.active_subscriptions + ORDERS + 3)
      const addedMinor = 999 * (ORDERS + 1) + 499 + 9990 / 12
      // Both totals are rounded to the cent (a yearly price is 832.5 cents a month): within one.
      expect(
        Math.abs(Math.round(stats.mrr * 100) - Math.round(statsBefore.mrr * 100 + addedMinor))
      ).toBeLessThanOrEqual(1)
      expect(stats.past_due).toBe(statsBefore.past_due)
      const family = stats.subscriptions_by_plan.find((plan: Json) => plan.plan_name === "Family")
      const before = statsBefore.subscriptions_by_plan.find((plan: Json) => plan.plan_name === "Family")
      expect(family.active_subscriptions).toBe((before?.active_subscriptions ?? 0) + ORDERS + 1)
      if (target.fresh)
        expect(stats).toMatchObject({
          total_users: 1 + newUsers,
          active_subscriptions: ORDERS + 3,
          mrr: Math.round(addedMinor) / 100,
          trials_running: 0,
          past_due: 0
        })
      const user = await signUp("not-admin")
      const refused = await call("GET", "/admin/stats", { token: user })
      expect([refused.status, refused.body.error.code]).toEqual([403, "forbidden"])
    }, 60_000)

    it("a crash between the record and the answer: the event survives, and Stripe's retry is a duplicate", async () => {
      const token = await signUp("crash")
      const { events, subscriptionId } = await storyAtStripe(token)
      for (const event of events) await deliver(event)
      stripe.advanceClock(1)
      const from = stripe.events.length
      stripe.renew(subscriptionId, "paid")
      const [paid, updated] = stripe.events.slice(from) as [StripeEventJson, StripeEventJson]
      expect(paid.type).toBe("invoice.paid")
      const before = (await me(token)).subscription.current_period_end

      // The server kills itself (SIGKILL) once the event is committed, before answering.
      expect(await child.stop()).toBe(0)
      child = await startChild({ ...serverEnv(), PLATFORM_CRASH_AFTER_WEBHOOK_RECORD: "1" })
      sender = new WebhookSender({ url: `${child.url}/api/v1/webhooks/stripe`, secret: WEBHOOK_SECRET })
      const lost = await sender.send(paid).then(
        (answer) => `answered ${answer.status}`,
        () => "no answer"
      )
      expect(lost).toBe("no answer")
      expect(await child.exited).toBeNull()

      // Restarted: the renewal is there; Stripe's retry finds it recorded and does nothing.
      child = await startChild(serverEnv())
      sender = new WebhookSender({ url: `${child.url}/api/v1/webhooks/stripe`, secret: WEBHOOK_SECRET })
      const after = await me(token)
      expect(after.subscription.current_period_end).not.toBe(before)
      expect(after.subscription.current_period_end).toBe(expectedState(subscriptionId).current_period_end)
      expect(await deliver(paid)).toBe("duplicate")
      expect(await deliver(updated)).toBe("applied")
      expect(stateOf(await me(token))).toEqual(expectedState(subscriptionId))
    }, 180_000)
  })
}

describe("billing offline, on the built-in fake Stripe (no STRIPE_SECRET_KEY)", () => {
  it("checkout, pay on the fake's page, and its signed webhooks make the account active", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "platform-fake-stripe-"))
    const child = await startChild({
      DATA_DIR: dataDir,
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD,
      ALLOWED_REDIRECT_ORIGINS: ORIGIN,
      // Without a key: the fake signs with this secret, and the API URL is ignored (said at start).
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: "http://127.0.0.1:9"
    })
    try {
      const fakeUrl = /built-in fake at (\S+)/.exec(child.output())?.[1] as string
      expect(fakeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(child.output()).toContain(`webhook secret ${WEBHOOK_SECRET}`)
      expect(child.output()).toContain("STRIPE_API_URL is ignored without STRIPE_SECRET_KEY")
      const stranger = await new WebhookSender({
        url: `${child.url}/api/v1/webhooks/stripe`,
        secret: WEBHOOK_SECRET
      }).send({
        id: "evt_offline_stranger",
        object: "event",
        type: "customer.created",
        created: 1,
        data: { object: {} }
      })
      expect([stranger.status, JSON.parse(stranger.body).outcome]).toEqual([200, "unmatched"])
      const call = async (method: string, path: string, body?: unknown, token?: string) => {
        const response = await fetch(`${child.url}/api/v1${path}`, {
          method,
          headers: {
            "content-type": "application/json",
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })
        return { status: response.status, body: (await response.json()) as Json }
      }
      const admin = (
        await call("POST", "/auth/login", { email: "admin@example.com", password: ADMIN_PASSWORD })
      ).body.access_token
      const plan = await call(
        "POST",
        "/admin/plans",
        {
          name: "Family",
          stripe_price_id: "price_family_monthly",
          price_monthly: 9.99,
          max_profiles: 5,
          max_playlists: 10,
          max_favorites: 500
        },
        admin
      )
      expect(plan.status).toBe(201)
      const user = (
        await call("POST", "/auth/signup", {
          email: "john@example.com",
          password: PASSWORD,
          full_name: "John"
        })
      ).body.access_token
      const checkout = await call(
        "POST",
        "/subscriptions/checkout",
        {
          price_id: "price_family_monthly",
          success_url: `${ORIGIN}/success`,
          cancel_url: `${ORIGIN}/pricing`
        },
        user
      )
      expect(checkout.status).toBe(200)
      expect(checkout.body.url).toBe(`${fakeUrl}/checkout/${checkout.body.session_id}`)
      // The page a customer sees, and its Pay button's action.
      const page = await fetch(checkout.body.url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain("9.99")
      const paid = await fetch(`${fakeUrl}/_fake/checkout/sessions/${checkout.body.session_id}/complete`, {
        method: "POST"
      })
      expect(paid.status).toBe(200)
      await fetch(`${fakeUrl}/_fake/flush`, { method: "POST" })
      const me = await call("GET", "/subscriptions/me", undefined, user)
      expect(me.body.subscription).toMatchObject({ status: "active", source: "stripe", amount: 9.99 })
      expect(me.body.plan.name).toBe("Family")
    } finally {
      expect(await child.stop()).toBe(0)
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe("a Stripe key without its webhook secret", () => {
  it("starts, says so, and refuses every webhook (400)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "platform-no-webhook-secret-"))
    const stripe = await FakeStripe.start({ secretKey: SECRET_KEY })
    const child = await startChild({
      DATA_DIR: dataDir,
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_API_URL: stripe.url
    })
    try {
      expect(child.output()).toContain(
        "STRIPE_WEBHOOK_SECRET is unset: every Stripe webhook is refused (400)"
      )
      expect(child.output()).not.toContain(SECRET_KEY)
      const refused = await new WebhookSender({
        url: `${child.url}/api/v1/webhooks/stripe`,
        secret: WEBHOOK_SECRET
      }).send({
        id: "evt_unverifiable",
        object: "event",
        type: "customer.created",
        created: 1,
        data: { object: {} }
      })
      expect([refused.status, JSON.parse(refused.body).error.code]).toEqual([400, "invalid_signature"])
    } finally {
      expect(await child.stop()).toBe(0)
      await stripe.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})
