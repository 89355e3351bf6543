/**
 * The subscription state machine: the next state from the current one and a
 * provider event, decided by the object's own version and never by arrival
 * order. The state is a set of registers, each a join of what the events say:
 *
 * - the subscription itself: the one the provider created last wins;
 * - `status` (and when payment fell due): the latest event wins; in the same
 *   second a deletion beats a payment outcome, which beats a snapshot, which
 *   beats a checkout; then the event id decides;
 * - the terms (price, amount, interval, cancel at period end): the latest
 *   subscription snapshot wins;
 * - `currentPeriodEnd`: the latest end seen (a replayed `invoice.paid` extends
 *   nothing twice: it names its period, it does not add one);
 * - `trialUsed`: once true, always true.
 *
 * Every register is a maximum, so the same events in any order, any number of
 * times, end in the same state. Pure: no clock, no I/O. The states are built
 * from typed values, so their constructors skip validating them again (`, true`).
 */
import type { PlanId, UserId } from "@org/accounts"
import { DateTime, Duration, Option } from "effect"
import type { ProviderEvent, ProviderStatus, ProviderSubscription } from "./ProviderEvent.js"
import {
  BillingAccount,
  compareVersions,
  Subscription,
  type SubscriptionStatus,
  type Version
} from "./Subscription.js"

/** Same-second precedence of the events that set a status. */
const statusRank = {
  checkout: 1,
  snapshot: 2,
  paymentFailed: 4,
  paid: 5,
  deleted: 6
} as const

/** Same-second precedence of the events that set the terms. */
const termsRank = { invoice: 0, checkout: 1, snapshot: 2 } as const

const providerStatus = (status: ProviderStatus): SubscriptionStatus => {
  switch (status) {
    case "trialing":
      return "trialing"
    case "active":
      return "active"
    case "past_due":
    case "unpaid":
      return "past_due"
    case "canceled":
      return "canceled"
    case "incomplete":
    case "incomplete_expired":
    case "paused":
      return "expired"
  }
}

/** Statuses of the same rank and second: the more serious one wins. */
const statusSeverity: Record<SubscriptionStatus, number> = {
  trialing: 0,
  active: 1,
  past_due: 2,
  expired: 3,
  canceled: 4
}

const seconds = (at: DateTime.Utc) => Math.floor(DateTime.toEpochMillis(at) / 1000)

const version = (event: ProviderEvent, rank: number): Version => ({
  at: seconds(event.createdAt),
  rank,
  eventId: event.id
})

const latest = (a: DateTime.Utc, b: DateTime.Utc) => (DateTime.greaterThan(b, a) ? b : a)

/** A blank account: no customer, no trial used, no subscription. */
export const emptyAccount = (userId: UserId, now: DateTime.Utc) =>
  new BillingAccount(
    {
      userId,
      customerId: Option.none(),
      trialUsed: false,
      subscription: Option.none(),
      updatedAt: now
    },
    true
  )

interface StatusClaim {
  readonly status: SubscriptionStatus
  readonly version: Version
  readonly dueSince: Option.Option<DateTime.Utc>
}

const statusClaim = (event: ProviderEvent, sub: ProviderSubscription): StatusClaim | undefined => {
  switch (event.kind) {
    case "checkout_completed": {
      const status = providerStatus(sub.status)
      return {
        status,
        version: version(event, statusRank.checkout * 10 + statusSeverity[status]),
        dueSince: status === "past_due" ? Option.some(sub.currentPeriodStart) : Option.none()
      }
    }
    case "subscription": {
      const status = event.deleted ? "canceled" : providerStatus(sub.status)
      const rank = event.deleted ? statusRank.deleted : statusRank.snapshot
      return {
        status,
        version: version(event, rank * 10 + statusSeverity[status]),
        dueSince: status === "past_due" ? Option.some(sub.currentPeriodStart) : Option.none()
      }
    }
    case "invoice_paid":
      // A zero invoice (a trial's first) proves no payment: it changes no status.
      return event.amountMinor > 0
        ? { status: "active", version: version(event, statusRank.paid * 10), dueSince: Option.none() }
        : undefined
    case "invoice_payment_failed":
      return {
        status: "past_due",
        version: version(event, statusRank.paymentFailed * 10),
        dueSince: Option.some(event.periodStart)
      }
    case "other":
      return undefined
  }
}

const termsVersion = (event: ProviderEvent): Version =>
  version(
    event,
    event.kind === "subscription"
      ? termsRank.snapshot
      : event.kind === "checkout_completed"
        ? termsRank.checkout
        : termsRank.invoice
  )

const periodEndOf = (event: ProviderEvent, sub: ProviderSubscription) =>
  event.kind === "invoice_paid" ? latest(sub.currentPeriodEnd, event.periodEnd) : sub.currentPeriodEnd

/** A subscription made from one event about it. */
const fresh = (event: ProviderEvent, sub: ProviderSubscription, planId: Option.Option<PlanId>) => {
  const claim = statusClaim(event, sub)
  const initialStatus = providerStatus(sub.status)
  return new Subscription(
    {
      source: "stripe",
      status: claim?.status ?? initialStatus,
      planId,
      priceId: Option.some(sub.priceId),
      amountMinor: sub.amountMinor,
      currency: sub.currency,
      interval: sub.interval,
      currentPeriodEnd: periodEndOf(event, sub),
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      dueSince:
        claim?.dueSince ??
        (initialStatus === "past_due" ? Option.some(sub.currentPeriodStart) : Option.none()),
      trialEndsAt: sub.trialEnd,
      providerSubscriptionId: Option.some(sub.id),
      startedAt: sub.createdAt,
      // Without a claim the snapshot's own status stands at the lowest version.
      statusVersion: claim?.version ?? { at: 0, rank: 0, eventId: "" },
      termsVersion: termsVersion(event)
    },
    true
  )
}

const merge = (
  current: Subscription,
  event: ProviderEvent,
  sub: ProviderSubscription,
  planId: Option.Option<PlanId>
): Subscription => {
  const claim = statusClaim(event, sub)
  const statusWins = claim !== undefined && compareVersions(claim.version, current.statusVersion) > 0
  const terms = termsVersion(event)
  const termsWin = compareVersions(terms, current.termsVersion) > 0
  return new Subscription(
    {
      ...current,
      ...(statusWins ? { status: claim.status, dueSince: claim.dueSince, statusVersion: claim.version } : {}),
      ...(termsWin
        ? {
            planId,
            priceId: Option.some(sub.priceId),
            amountMinor: sub.amountMinor,
            currency: sub.currency,
            interval: sub.interval,
            cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
            trialEndsAt: sub.trialEnd,
            termsVersion: terms
          }
        : {}),
      currentPeriodEnd: latest(current.currentPeriodEnd, periodEndOf(event, sub))
    },
    true
  )
}

/** Is `sub` a later subscription than the one the account holds? */
const replaces = (current: Subscription, sub: ProviderSubscription) => {
  if (current.source !== "stripe") return true
  const order = DateTime.distance(current.startedAt, sub.createdAt)
  if (order !== 0) return order > 0
  return Option.getOrElse(current.providerSubscriptionId, () => "") < sub.id
}

/**
 * The account after `event`. `planId` is the catalog plan of the event
 * subscription's price. An account that holds a credit-paid or trial
 * subscription takes the provider's; an older provider subscription changes
 * nothing but the customer link.
 */
export const applyProviderEvent = (
  account: BillingAccount,
  event: ProviderEvent,
  planId: Option.Option<PlanId>,
  now: DateTime.Utc
): BillingAccount => {
  const sub =
    event.kind === "checkout_completed"
      ? Option.getOrUndefined(event.subscription)
      : event.kind === "other"
        ? undefined
        : event.subscription
  const customerId = Option.orElse(account.customerId, () =>
    event.kind === "checkout_completed"
      ? Option.some(event.customerId)
      : sub === undefined
        ? Option.none()
        : Option.some(sub.customerId)
  )
  if (sub === undefined) return new BillingAccount({ ...account, customerId, updatedAt: now }, true)
  const trialUsed = account.trialUsed || Option.isSome(sub.trialEnd) || sub.status === "trialing"
  const current = Option.getOrUndefined(account.subscription)
  const next =
    current === undefined
      ? fresh(event, sub, planId)
      : Option.contains(current.providerSubscriptionId, sub.id)
        ? merge(current, event, sub, planId)
        : replaces(current, sub)
          ? fresh(event, sub, planId)
          : current
  return new BillingAccount(
    {
      ...account,
      customerId,
      trialUsed,
      subscription: Option.some(next),
      updatedAt: now
    },
    true
  )
}

/** The platform's own trial: `days` of `planId`, no payment. */
export const startTrialSubscription = (
  account: BillingAccount,
  planId: PlanId,
  days: number,
  now: DateTime.Utc
): BillingAccount => {
  const ends = DateTime.add(now, { days })
  return new BillingAccount(
    {
      ...account,
      trialUsed: true,
      subscription: Option.some(
        new Subscription({
          source: "trial",
          status: "trialing",
          planId: Option.some(planId),
          priceId: Option.none(),
          amountMinor: 0,
          currency: "usd",
          interval: "month",
          currentPeriodEnd: ends,
          cancelAtPeriodEnd: false,
          dueSince: Option.none(),
          trialEndsAt: Option.some(ends),
          providerSubscriptionId: Option.none(),
          startedAt: now,
          statusVersion: { at: seconds(now), rank: 0, eventId: "trial" },
          termsVersion: { at: seconds(now), rank: 0, eventId: "trial" }
        })
      ),
      updatedAt: now
    },
    true
  )
}

export interface Access {
  /** The plan whose limits apply now; none: the catalog's (free) plan. */
  readonly planId: Option.Option<PlanId>
  /** The status as it stands now (a trial past its end is `expired`). */
  readonly status: SubscriptionStatus
  /** Past due: when access to the plan ends unless a payment arrives. */
  readonly graceEndsAt: Option.Option<DateTime.Utc>
}

/**
 * What a subscription grants at `now`. Active keeps the plan until its period
 * end plus the grace (a late renewal event never cuts access); past due keeps
 * it until the grace ends; canceled and expired grant nothing.
 */
export const accessAt = (subscription: Subscription, now: DateTime.Utc, grace: Duration.Duration): Access => {
  const graceEndsAt =
    subscription.status === "past_due"
      ? Option.map(subscription.dueSince, (since) => DateTime.addDuration(since, grace))
      : Option.none()
  const before = (end: DateTime.Utc) => DateTime.lessThan(now, end)
  switch (subscription.status) {
    case "trialing": {
      const ends = Option.getOrElse(subscription.trialEndsAt, () => subscription.currentPeriodEnd)
      const running = before(
        subscription.source === "trial" ? ends : latest(ends, subscription.currentPeriodEnd)
      )
      return running
        ? { planId: subscription.planId, status: "trialing", graceEndsAt }
        : { planId: Option.none(), status: "expired", graceEndsAt }
    }
    case "active": {
      const end = subscription.cancelAtPeriodEnd
        ? subscription.currentPeriodEnd
        : DateTime.addDuration(subscription.currentPeriodEnd, grace)
      return before(end)
        ? { planId: subscription.planId, status: "active", graceEndsAt }
        : { planId: Option.none(), status: "expired", graceEndsAt }
    }
    case "past_due":
      return {
        planId: Option.exists(graceEndsAt, before) ? subscription.planId : Option.none(),
        status: "past_due",
        graceEndsAt
      }
    case "canceled":
    case "expired":
      return { planId: Option.none(), status: subscription.status, graceEndsAt }
  }
}

/** Does the subscription still bill (so a new checkout would double it)? */
export const isLive = (subscription: Subscription, now: DateTime.Utc, grace: Duration.Duration) =>
  subscription.source !== "trial" &&
  (subscription.status === "active" ||
    subscription.status === "trialing" ||
    subscription.status === "past_due") &&
  accessAt(subscription, now, grace).status !== "expired"

export const graceOf = (days: number) => Duration.days(days)

/**
 * A period paid in a reseller's credits (`source: "credits"`): active until
 * `periodEnd`. A renewal calls it again with the next end; the start stays.
 */
export const startCreditPeriod = (
  account: BillingAccount,
  input: {
    readonly planId: PlanId
    readonly priceId: Option.Option<string>
    readonly credits: number
    readonly currency: string
    readonly periodEnd: DateTime.Utc
    /** What paid for it (the ledger transfer), recorded as the version's event. */
    readonly reference: string
  },
  now: DateTime.Utc
): BillingAccount => {
  const previous = Option.filter(account.subscription, (sub) => sub.source === "credits")
  const version = { at: seconds(now), rank: 0, eventId: `credits:${input.reference}` }
  return new BillingAccount(
    {
      ...account,
      trialUsed: true,
      subscription: Option.some(
        new Subscription(
          {
            source: "credits",
            status: "active",
            planId: Option.some(input.planId),
            priceId: input.priceId,
            amountMinor: input.credits,
            currency: input.currency,
            interval: "month",
            currentPeriodEnd: input.periodEnd,
            cancelAtPeriodEnd: Option.match(previous, {
              onNone: () => false,
              onSome: (sub) => sub.cancelAtPeriodEnd
            }),
            dueSince: Option.none(),
            trialEndsAt: Option.none(),
            providerSubscriptionId: Option.none(),
            startedAt: Option.match(previous, { onNone: () => now, onSome: (sub) => sub.startedAt }),
            statusVersion: version,
            termsVersion: version
          },
          true
        )
      ),
      updatedAt: now
    },
    true
  )
}

/** A credit-paid renewal the reseller could not pay: past due from the period's end, access kept for the grace. */
export const creditRenewalFailed = (account: BillingAccount, now: DateTime.Utc): BillingAccount =>
  Option.match(
    Option.filter(account.subscription, (sub) => sub.source === "credits" && sub.status === "active"),
    {
      onNone: () => account,
      onSome: (sub) =>
        new BillingAccount(
          {
            ...account,
            subscription: Option.some(
              new Subscription(
                { ...sub, status: "past_due", dueSince: Option.some(sub.currentPeriodEnd) },
                true
              )
            ),
            updatedAt: now
          },
          true
        )
    }
  )

/** Whether a credit-paid subscription ends at its period end instead of renewing. */
export const setCreditRenewal = (
  account: BillingAccount,
  renews: boolean,
  now: DateTime.Utc
): BillingAccount =>
  Option.match(
    Option.filter(account.subscription, (sub) => sub.source === "credits"),
    {
      onNone: () => account,
      onSome: (sub) =>
        new BillingAccount(
          {
            ...account,
            subscription: Option.some(new Subscription({ ...sub, cancelAtPeriodEnd: !renews }, true)),
            updatedAt: now
          },
          true
        )
    }
  )
