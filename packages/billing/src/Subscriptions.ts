/**
 * The subscription programs: the trial at signup, checkout, the account's
 * subscription, cancellation at period end, the billing portal, and the
 * provider's webhooks.
 */
import {
  type AdultCaller,
  type Caller,
  decodeInput,
  type Entitlement,
  Entitlements,
  type Plan,
  PlanStore,
  UserId,
  UserNotFound,
  UserStore
} from "@org/accounts"
import { logDebugWith } from "@org/core"
import { DateTime, Effect, Option, Schema } from "effect"
import { BillingStore, type EventOutcome } from "./BillingStore.js"
import { BillingConfig, type BillingSettings } from "./Config.js"
import {
  AlreadySubscribed,
  NoBillingAccount,
  NoPaidSubscription,
  PlanNotForSale,
  RedirectNotAllowed
} from "./Errors.js"
import {
  type Access,
  accessAt,
  applyProviderEvent,
  emptyAccount,
  graceOf,
  isLive,
  startTrialSubscription
} from "./Lifecycle.js"
import { PaymentProvider } from "./PaymentProvider.js"
import { eventParties, type ProviderEvent } from "./ProviderEvent.js"
import { BillingAccount, type Subscription } from "./Subscription.js"

/** The plan of a provider price, on sale or not (a subscriber keeps a retired plan). */
export const planForPrice = (priceId: string) =>
  Effect.flatMap(PlanStore, (plans) =>
    Effect.map(plans.list({ activeOnly: false }), (all) =>
      Option.fromNullable(all.find((plan) => Option.contains(plan.stripePriceId, priceId)))
    )
  )

/** The plan a trial grants: the configured one, else the dearest on sale, else the default. */
export const trialPlan = Effect.gen(function* () {
  const settings = yield* BillingConfig
  const plans = yield* PlanStore
  if (Option.isSome(settings.trialPlanId)) {
    const configured = yield* plans.find(settings.trialPlanId.value)
    if (Option.isSome(configured)) return Option.some(configured.value)
  }
  const onSale = (yield* plans.list({ activeOnly: true })).filter((plan) => Option.isSome(plan.stripePriceId))
  const dearest = onSale.reduce<Plan | undefined>(
    (best, plan) => (best === undefined || plan.priceMonthlyMinor > best.priceMonthlyMinor ? plan : best),
    undefined
  )
  return dearest !== undefined ? Option.some(dearest) : yield* plans.findDefault()
})

/**
 * Start the account's one trial, if trials are on and it never had one. Safe
 * to call again: an account that used its trial is left as it is.
 */
export const startTrial = (userId: UserId) =>
  Effect.gen(function* () {
    const settings = yield* BillingConfig
    const store = yield* BillingStore
    const existing = yield* store.find(userId)
    if (settings.trialDays === 0 || Option.exists(existing, (account) => account.trialUsed))
      return Option.getOrElse(existing, () => emptyAccount(userId, DateTime.unsafeMake(0)))
    const plan = yield* trialPlan
    if (Option.isNone(plan))
      return Option.getOrElse(existing, () => emptyAccount(userId, DateTime.unsafeMake(0)))
    const now = yield* DateTime.now
    return yield* store.update(userId, (account) =>
      account.trialUsed ? account : startTrialSubscription(account, plan.value.id, settings.trialDays, now)
    )
  })

/** The account's subscription as it stands now, and the plan whose limits apply. */
export interface SubscriptionOverview {
  readonly account: BillingAccount
  readonly subscription: Option.Option<Subscription>
  /** What the subscription grants now; none without one. */
  readonly access: Option.Option<Access>
  /** The plan whose limits apply now (from the subscription, an admin, or the default). */
  readonly entitlement: Entitlement
  /** The plan of the subscription's price, when it is in the catalog. */
  readonly subscribedPlan: Option.Option<Plan>
}

const overviewOf = (userId: UserId) =>
  Effect.gen(function* () {
    const settings = yield* BillingConfig
    const now = yield* DateTime.now
    const account = Option.getOrElse(yield* Effect.flatMap(BillingStore, (store) => store.find(userId)), () =>
      emptyAccount(userId, now)
    )
    const access = Option.map(account.subscription, (sub) => accessAt(sub, now, graceOf(settings.graceDays)))
    const entitlement = yield* Effect.flatMap(Entitlements, (entitlements) => entitlements.forUser(userId))
    const planId = Option.flatMap(account.subscription, (sub) => sub.planId)
    const subscribedPlan = Option.isSome(planId)
      ? yield* Effect.flatMap(PlanStore, (plans) => plans.find(planId.value))
      : Option.none()
    const overview: SubscriptionOverview = {
      account,
      subscription: account.subscription,
      access,
      entitlement,
      subscribedPlan
    }
    return overview
  })

/** `GET /subscriptions/me`: the caller's account (kids profiles may read it). */
export const mySubscription = (caller: Caller) => overviewOf(caller.userId)

/** An admin's view of one account's billing. */
export const subscriptionOf = (userId: UserId) => overviewOf(userId)

const allowedUrl = (settings: BillingSettings, field: string, value: string) =>
  Effect.suspend(() => {
    const fail = Effect.fail(new RedirectNotAllowed({ field, allowed: settings.allowedRedirectOrigins }))
    if (!URL.canParse(value)) return fail
    const url = new URL(value)
    return settings.allowedRedirectOrigins.includes(url.origin) &&
      (url.protocol === "https:" || url.protocol === "http:")
      ? Effect.succeed(url.href)
      : fail
  })

const RedirectUrl = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a URL is required" }),
  Schema.maxLength(2048, { message: () => "a URL has at most 2048 characters" })
)

const CheckoutInput = Schema.Struct({
  price_id: Schema.Trim.pipe(
    Schema.minLength(1, { message: () => "price_id is required" }),
    Schema.maxLength(255, { message: () => "price_id has at most 255 characters" })
  ),
  success_url: RedirectUrl,
  cancel_url: RedirectUrl
})
export type CheckoutInput = typeof CheckoutInput.Encoded

export interface CheckoutSession {
  readonly sessionId: string
  readonly url: string
  readonly plan: Plan
  /** Trial days the checkout grants (0: the account used its trial). */
  readonly trialDays: number
}

/** The account's provider customer, created once and reused. */
const customerFor = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* BillingStore
    const existing = Option.flatMap(yield* store.find(userId), (account) => account.customerId)
    if (Option.isSome(existing)) return existing.value
    const user = yield* Effect.flatMap(UserStore, (users) => users.findUser(userId))
    if (Option.isNone(user)) return yield* new UserNotFound({ userId })
    const created = yield* Effect.flatMap(PaymentProvider, (provider) =>
      provider.createCustomer({ userId, email: user.value.email, requestKey: `customer:${userId}` })
    )
    const now = yield* DateTime.now
    // Two racing checkouts share the key above, so the provider answers both with one customer.
    const account = yield* store.update(userId, (account) =>
      Option.isSome(account.customerId)
        ? account
        : new BillingAccount({ ...account, customerId: Option.some(created), updatedAt: now })
    )
    return Option.getOrElse(account.customerId, () => created)
  })

/**
 * `POST /subscriptions/checkout`: a provider checkout session for a plan on
 * sale. The same account and request make one session however often they
 * are sent; the trial applies if the account never used it.
 */
export const checkout = (caller: AdultCaller, input: CheckoutInput) =>
  Effect.gen(function* () {
    const settings = yield* BillingConfig
    const decoded = yield* decodeInput(CheckoutInput)(input)
    const successUrl = yield* allowedUrl(settings, "success_url", decoded.success_url)
    const cancelUrl = yield* allowedUrl(settings, "cancel_url", decoded.cancel_url)
    const plan = yield* planForPrice(decoded.price_id)
    if (Option.isNone(plan) || !plan.value.isActive)
      return yield* new PlanNotForSale({ priceId: decoded.price_id })
    const now = yield* DateTime.now
    const account = yield* Effect.flatMap(BillingStore, (store) => store.find(caller.userId))
    const live = Option.flatMap(account, (a) => a.subscription).pipe(
      Option.filter((sub) => isLive(sub, now, graceOf(settings.graceDays)))
    )
    if (Option.isSome(live)) return yield* new AlreadySubscribed({ status: live.value.status })
    const customerId = yield* customerFor(caller.userId)
    const trialUsed = Option.exists(account, (a) => a.trialUsed)
    const trialDays =
      trialUsed || settings.trialDays === 0 ? Option.none<number>() : Option.some(settings.trialDays)
    const session = yield* Effect.flatMap(PaymentProvider, (provider) =>
      provider.createCheckout({
        userId: caller.userId,
        customerId,
        priceId: decoded.price_id,
        successUrl,
        cancelUrl,
        trialDays,
        requestKey: ["checkout", caller.userId, decoded.price_id, successUrl, cancelUrl, trialUsed].join("\n")
      })
    )
    const answer: CheckoutSession = {
      sessionId: session.id,
      url: session.url,
      plan: plan.value,
      trialDays: Option.getOrElse(trialDays, () => 0)
    }
    return answer
  })

const paidSubscription = (userId: UserId) =>
  Effect.gen(function* () {
    const account = yield* Effect.flatMap(BillingStore, (store) => store.find(userId))
    const sub = Option.flatMap(account, (a) => a.subscription).pipe(
      Option.filter((s) => s.source === "stripe" && s.status !== "canceled" && s.status !== "expired")
    )
    if (Option.isNone(sub) || Option.isNone(sub.value.providerSubscriptionId))
      return yield* new NoPaidSubscription()
    return { subscription: sub.value, providerId: sub.value.providerSubscriptionId.value }
  })

/**
 * `POST /subscriptions/cancel`: the subscription ends at the end of the paid
 * period; until then the plan stays.
 */
export const cancelSubscription = (caller: AdultCaller) =>
  Effect.gen(function* () {
    const { providerId } = yield* paidSubscription(caller.userId)
    const snapshot = yield* Effect.flatMap(PaymentProvider, (provider) =>
      provider.cancelAtPeriodEnd(providerId)
    )
    const now = yield* DateTime.now
    const planId = Option.map(yield* planForPrice(snapshot.priceId), (plan) => plan.id)
    // The provider's answer is its latest word, later than every event already
    // applied (whatever this server's clock says); its webhook follows with the same.
    yield* Effect.flatMap(BillingStore, (store) =>
      store.update(caller.userId, (account) => {
        const seen = Option.match(account.subscription, {
          onNone: () => 0,
          onSome: (sub) => Math.max(sub.statusVersion.at, sub.termsVersion.at) * 1000
        })
        const event: ProviderEvent = {
          kind: "subscription",
          id: `request:cancel:${DateTime.toEpochMillis(now)}`,
          type: "customer.subscription.updated",
          createdAt: DateTime.unsafeMake(Math.max(DateTime.toEpochMillis(now), seen)),
          deleted: false,
          subscription: snapshot
        }
        return applyProviderEvent(account, event, planId, now)
      })
    )
    return yield* overviewOf(caller.userId)
  })

/** `POST /subscriptions/portal`: a billing-portal session to change card, plan or cancel. */
export const billingPortal = (caller: AdultCaller, input: { readonly return_url?: string | undefined }) =>
  Effect.gen(function* () {
    const settings = yield* BillingConfig
    const account = yield* Effect.flatMap(BillingStore, (store) => store.find(caller.userId))
    const customerId = Option.flatMap(account, (a) => a.customerId)
    if (Option.isNone(customerId)) return yield* new NoBillingAccount()
    const fallback = settings.allowedRedirectOrigins[0]
    if (input.return_url === undefined && fallback === undefined)
      return yield* new RedirectNotAllowed({ field: "return_url", allowed: [] })
    const returnUrl = yield* allowedUrl(settings, "return_url", input.return_url ?? `${fallback}/`)
    return yield* Effect.flatMap(PaymentProvider, (provider) =>
      provider.createPortal({ customerId: customerId.value, returnUrl })
    )
  })

const decodeUserId = Schema.decodeUnknownOption(UserId)

/**
 * Apply one verified provider event: recorded once under its id, in the same
 * step as its effect. An event about no known account is recorded and does
 * nothing.
 */
export const applyEvent = (event: ProviderEvent) =>
  Effect.gen(function* () {
    const parties = eventParties(event)
    const sub =
      event.kind === "checkout_completed"
        ? Option.getOrUndefined(event.subscription)
        : event.kind === "other"
          ? undefined
          : event.subscription
    const now = yield* DateTime.now
    const userId =
      parties.userId === undefined
        ? undefined
        : Option.getOrUndefined(Option.flatMap(parties.userId, decodeUserId))
    const outcome: EventOutcome = yield* Effect.flatMap(BillingStore, (store) =>
      store.recordEvent(
        { id: event.id, type: event.type, createdAt: event.createdAt, priceId: sub?.priceId },
        { customerId: parties.customerId, userId },
        (account, planId) => applyProviderEvent(account, event, planId, now)
      )
    )
    yield* logDebugWith("billing event", { eventId: event.id, type: event.type, outcome: outcome._tag })
    return outcome
  })

/** `POST /webhooks/stripe`: verify the delivery over its raw bytes, then apply it. */
export const receiveWebhook = (body: Uint8Array, signature: string | undefined) =>
  Effect.flatMap(
    Effect.flatMap(PaymentProvider, (provider) => provider.parseWebhook(body, signature)),
    applyEvent
  )
