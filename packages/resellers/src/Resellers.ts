/**
 * The reseller business: admins grant credits (a ledger transfer from the
 * platform's issuance account), resellers create client accounts that cost
 * the plan's monthly price in credits — the account, the debit and the
 * credit-paid subscription in one unit of work, so there is never a client
 * without a debit or a debit without a client — and list their clients and
 * transactions. A reseller sees only their own clients.
 */
import {
  type AdminCaller,
  decodeInput,
  findUserOrFail,
  type Plan,
  PlanStore,
  prepareAccount,
  type ResellerCaller,
  type SignupInput,
  storeAccount,
  type UserId
} from "@org/accounts"
import {
  BillingConfig,
  BillingStore,
  PlanNotForSale,
  planForPrice,
  setCreditRenewal,
  startCreditPeriod
} from "@org/billing"
import { atomically, randomUuid, UnitOfWork } from "@org/core"
import {
  balanceOf,
  historyPage,
  LedgerAccountNotFound,
  LedgerStore,
  openAccount,
  sumsByKind,
  transfer
} from "@org/ledger"
import { DateTime, Effect, Option, Schema } from "effect"
import { ClientNotFound, InsufficientCredits } from "./Errors.js"
import { clientStatus, ResellerClient } from "./ResellerClient.js"
import { ResellerStore } from "./ResellerStore.js"

/** The platform's accounts: credits are issued from one and spent into the other. */
export const ISSUANCE_ACCOUNT = "platform:issuance"
export const REVENUE_ACCOUNT = "platform:revenue"
/** A user's credit account: it can never go below zero. */
export const creditAccountOf = (userId: UserId) => `credits:${userId}`

/** The transfer kinds the resellers write. */
export const TransferKinds = {
  grant: "grant",
  clientCreation: "client_creation",
  renewal: "renewal"
} as const

/** Open the platform's accounts and the user's credit account (each a no-op when open). */
export const openCreditAccounts = (userId: UserId) =>
  Effect.all(
    [
      openAccount({ id: ISSUANCE_ACCOUNT, kind: "issuance" }),
      openAccount({ id: REVENUE_ACCOUNT, kind: "revenue" }),
      openAccount({ id: creditAccountOf(userId), kind: "credits", debitsMustNotExceedCredits: true })
    ],
    { discard: true }
  )

/** A user's credit balance; 0 before any credits. */
export const creditBalance = (userId: UserId) =>
  Effect.flatMap(LedgerStore, (ledger) =>
    Effect.map(ledger.balance(creditAccountOf(userId) as never), (balance) =>
      Option.match(balance, { onNone: () => 0, onSome: (b) => b.balance })
    )
  )

export const AddCreditsInput = Schema.Struct({
  user_id: Schema.String,
  amount: Schema.Int.pipe(
    Schema.between(1, 1_000_000_000, {
      message: () => "amount must be a whole number of credits from 1 to 1,000,000,000"
    })
  ),
  description: Schema.optionalWith(
    Schema.String.pipe(Schema.maxLength(500, { message: () => "description is at most 500 characters" })),
    { default: () => "" }
  )
})

/**
 * `POST /admin/credits/add`: credits from the platform's issuance account to
 * the user's credit account. `transferId` makes a retry of the same grant a
 * no-op (the HTTP API's `Idempotency-Key` does that for its callers).
 */
export const addCredits = (_admin: AdminCaller, input: typeof AddCreditsInput.Encoded, transferId?: string) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(AddCreditsInput)(input)
    const user = yield* findUserOrFail(decoded.user_id)
    yield* openCreditAccounts(user.id)
    const id = transferId !== undefined ? transferId : `grant:${yield* randomUuid}`
    const result = yield* transfer({
      id,
      debitAccountId: ISSUANCE_ACCOUNT,
      creditAccountId: creditAccountOf(user.id),
      amount: decoded.amount,
      kind: TransferKinds.grant,
      description: decoded.description
    })
    const balance = yield* balanceOf(creditAccountOf(user.id))
    yield* Effect.logInfo("credits added").pipe(
      Effect.annotateLogs({ user_id: user.id, amount: decoded.amount, transfer_id: id })
    )
    return { user, transfer: result.transfer, balance: balance.balance }
  })

export const CreateClientInput = Schema.Struct({
  email: Schema.String,
  password: Schema.String,
  full_name: Schema.String,
  plan_stripe_price_id: Schema.String.pipe(
    Schema.minLength(1, { message: () => "plan_stripe_price_id is required" }),
    Schema.maxLength(255)
  )
})

const resalePlan = (priceId: string) =>
  Effect.gen(function* () {
    const plan = yield* planForPrice(priceId)
    if (Option.isNone(plan) || !plan.value.isActive || plan.value.priceMonthlyMinor <= 0)
      return yield* new PlanNotForSale({ priceId })
    return plan.value
  })

/** One period from `start`: a calendar month. */
export const nextPeriodEnd = (start: DateTime.Utc) => DateTime.add(start, { months: 1 })

/**
 * `POST /reseller/clients`: a client account on the plan of
 * `plan_stripe_price_id`, paid for one month with the plan's monthly price in
 * the reseller's credits. Not enough credits: `InsufficientCredits` and
 * nothing is created.
 */
export const createClient = (reseller: ResellerCaller, input: typeof CreateClientInput.Encoded) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(CreateClientInput)(input)
    const plan = yield* resalePlan(decoded.plan_stripe_price_id)
    const price = plan.priceMonthlyMinor
    const signup: SignupInput = {
      email: decoded.email,
      password: decoded.password,
      full_name: decoded.full_name
    }
    // Hashed before the transaction opens: it does not hold a connection meanwhile.
    const prepared = yield* prepareAccount(signup, "user")
    const unit = yield* UnitOfWork
    const created = yield* unit.atomically(
      Effect.gen(function* () {
        // Where a unit cannot roll back (in memory, one unit at a time) the balance
        // is checked before anything is written; in a transaction the debit decides.
        if (unit.rollsBack !== true) {
          const available = yield* creditBalance(reseller.userId)
          if (available < price) return yield* new InsufficientCredits({ balance: available, price })
        }
        const user = yield* storeAccount(prepared)
        const now = yield* DateTime.now
        const transferId = `client:${user.id}`
        const periodEnd = nextPeriodEnd(now)
        yield* Effect.flatMap(BillingStore, (billing) =>
          billing.update(user.id, (account) =>
            startCreditPeriod(
              account,
              {
                planId: plan.id,
                priceId: plan.stripePriceId,
                credits: price,
                currency: plan.currency,
                periodEnd,
                reference: transferId
              },
              now
            )
          )
        )
        const client = new ResellerClient(
          {
            clientId: user.id,
            resellerId: reseller.userId,
            planId: plan.id,
            creditsPerPeriod: price,
            currentPeriodEnd: periodEnd,
            autoRenew: true,
            renewalFailedAt: Option.none(),
            createdAt: now
          },
          true
        )
        yield* Effect.flatMap(ResellerStore, (store) => store.add(client))
        // The debit goes last: on Postgres it locks the reseller's and the revenue
        // account until the commit, so nothing else waits behind those locks.
        const debit = yield* transfer({
          id: transferId,
          debitAccountId: creditAccountOf(reseller.userId),
          creditAccountId: REVENUE_ACCOUNT,
          amount: price,
          kind: TransferKinds.clientCreation,
          description: `${plan.name} for client ${user.id}`
        }).pipe(
          Effect.catchTags({
            ExceedsCredits: (error) => new InsufficientCredits({ balance: error.balance, price }),
            LedgerAccountNotFound: () => new InsufficientCredits({ balance: 0, price })
          })
        )
        // A retried unit may find its debit posted already: then the balance is read.
        const balance =
          debit._tag === "Created" ? debit.debitBalanceAfter : yield* creditBalance(reseller.userId)
        return { user, client, plan, transfer: debit.transfer, balance }
      })
    )
    yield* Effect.logInfo("reseller client created").pipe(
      Effect.annotateLogs({ reseller_id: reseller.userId, client_id: created.user.id, credits: price })
    )
    return created
  })

/** The most clients or transactions a page holds (a reseller's monthly report). */
export const MAX_RESELLER_PAGE = 1000

export const PageInput = Schema.Struct({
  page: Schema.optionalWith(
    Schema.Number.pipe(
      Schema.int({ message: () => "page must be a whole number" }),
      Schema.between(1, 1_000_000, { message: () => "page must be 1 or more" })
    ),
    { default: () => 1 }
  ),
  limit: Schema.optionalWith(
    Schema.Number.pipe(
      Schema.int({ message: () => "limit must be a whole number" }),
      Schema.between(1, MAX_RESELLER_PAGE, {
        message: () => `limit must be between 1 and ${MAX_RESELLER_PAGE}`
      })
    ),
    { default: () => 20 }
  )
})

const graceMillis = Effect.map(BillingConfig, (settings) => settings.graceDays * 86_400_000)

/** `GET /reseller/clients`: the reseller's clients, newest first, by page. */
export const listClients = (
  reseller: ResellerCaller,
  query: { readonly page?: number | undefined; readonly limit?: number | undefined }
) =>
  Effect.gen(function* () {
    const { page, limit } = yield* decodeInput(PageInput)(query)
    const store = yield* ResellerStore
    const result = yield* store.list(reseller.userId, { offset: (page - 1) * limit, limit })
    const now = yield* DateTime.now
    const grace = yield* graceMillis
    return {
      clients: result.listings.map((listing) => ({
        ...listing,
        status: clientStatus(listing.client, now, grace)
      })),
      page,
      limit,
      total: result.total
    }
  })

/** One of the reseller's clients; `ClientNotFound` for anyone else's. */
export const getClient = (reseller: ResellerCaller, clientId: string) =>
  Effect.gen(function* () {
    const store = yield* ResellerStore
    const id = Schema.decodeUnknownOption(Schema.UUID)(clientId)
    const client = Option.isSome(id) ? yield* store.find(id.value as UserId) : Option.none()
    if (Option.isNone(client) || client.value.resellerId !== reseller.userId)
      return yield* new ClientNotFound({ clientId })
    const user = yield* findUserOrFail(client.value.clientId)
    const plan = yield* Effect.flatMap(PlanStore, (plans) => plans.find(client.value.planId))
    const now = yield* DateTime.now
    return {
      client: client.value,
      email: user.email as string,
      fullName: user.fullName,
      planName: Option.match(plan, { onNone: () => "", onSome: (p: Plan) => p.name }),
      status: clientStatus(client.value, now, yield* graceMillis)
    }
  })

/** Stop (or resume) a client's renewal: it then ends at its period end. */
export const setClientRenewal = (reseller: ResellerCaller, clientId: string, autoRenew: boolean) =>
  Effect.gen(function* () {
    const found = yield* getClient(reseller, clientId)
    const now = yield* DateTime.now
    yield* atomically(
      Effect.gen(function* () {
        yield* Effect.flatMap(ResellerStore, (store) =>
          store.update(found.client.clientId, (client) => new ResellerClient({ ...client, autoRenew }, true))
        )
        yield* Effect.flatMap(BillingStore, (billing) =>
          billing.update(found.client.clientId, (account) => setCreditRenewal(account, autoRenew, now))
        )
      })
    )
    return yield* getClient(reseller, clientId)
  })

/** `GET /reseller/dashboard`: the balance, the clients, and the credits spent this month (UTC). */
export const resellerDashboard = (reseller: ResellerCaller) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const store = yield* ResellerStore
    const counts = yield* store.counts(reseller.userId, now)
    const balance = yield* creditBalance(reseller.userId)
    const monthStart = DateTime.startOf(now, "month")
    const sums = yield* sumsByKind(creditAccountOf(reseller.userId), {
      from: monthStart,
      to: nextPeriodEnd(monthStart)
    }).pipe(
      Effect.catchIf(
        (error): error is LedgerAccountNotFound => error instanceof LedgerAccountNotFound,
        () => Effect.succeed([])
      )
    )
    const spent = sums.reduce((total, sum) => total + sum.debits, 0)
    return {
      creditsBalance: balance,
      totalClients: counts.total,
      activeClients: counts.active,
      creditsSpentThisMonth: spent
    }
  })

/** `GET /reseller/transactions`: every movement of the reseller's credits, newest first, by page. */
export const resellerTransactions = (
  reseller: ResellerCaller,
  query: { readonly page?: number | undefined; readonly limit?: number | undefined }
) =>
  Effect.gen(function* () {
    const { page, limit } = yield* decodeInput(PageInput)(query)
    const result = yield* historyPage(creditAccountOf(reseller.userId), { page, limit }).pipe(
      Effect.catchIf(
        (error): error is LedgerAccountNotFound => error instanceof LedgerAccountNotFound,
        () => Effect.succeed({ entries: [], total: 0, page, limit })
      )
    )
    return result
  })
