/**
 * The admin's view of users: search and page through them, read one, change
 * a role or the assigned plan.
 */
import { Effect, Option, Schema } from "effect"
import type { AdminCaller } from "./Caller.js"
import { Entitlements } from "./Entitlements.js"
import { decodeInput, UserNotFound } from "./Errors.js"
import { type PlanId, Role, UserId } from "./Ids.js"
import { findPlanOrFail } from "./Plans.js"
import { UserStore } from "./UserStore.js"

/** Largest page. */
export const MAX_PAGE_SIZE = 100

const PageInput = Schema.Struct({
  search: Schema.optional(Schema.String.pipe(Schema.maxLength(254))),
  page: Schema.optional(
    Schema.Int.pipe(Schema.greaterThanOrEqualTo(1, { message: () => "page starts at 1" }))
  ),
  limit: Schema.optional(
    Schema.Int.pipe(Schema.between(1, MAX_PAGE_SIZE, { message: () => `limit is 1 to ${MAX_PAGE_SIZE}` }))
  )
})

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly page: number
  readonly limit: number
  readonly total: number
}

export const listUsers = (
  _admin: AdminCaller,
  input: {
    readonly search?: string | undefined
    readonly page?: number | undefined
    readonly limit?: number | undefined
  }
) =>
  Effect.gen(function* () {
    const { search, page = 1, limit = 20 } = yield* decodeInput(PageInput)(input)
    const trimmed = search?.trim()
    const result = yield* Effect.flatMap(UserStore, (users) =>
      users.listUsers({ search: trimmed === "" ? undefined : trimmed, offset: (page - 1) * limit, limit })
    )
    const answer: Page<(typeof result.users)[number]> = {
      items: result.users,
      page,
      limit,
      total: result.total
    }
    return answer
  })

const decodeUserId = Schema.decodeUnknownOption(UserId)

export const findUserOrFail = (userId: string) =>
  Effect.gen(function* () {
    const id = decodeUserId(userId)
    const user = Option.isSome(id)
      ? yield* Effect.flatMap(UserStore, (users) => users.findUser(id.value))
      : Option.none()
    if (Option.isNone(user)) return yield* new UserNotFound({ userId })
    return user.value
  })

/** A user with the plan they are on now. */
export const getUser = (_admin: AdminCaller, userId: string) =>
  Effect.gen(function* () {
    const user = yield* findUserOrFail(userId)
    const entitlement = yield* Effect.flatMap(Entitlements, (e) => e.forUser(user.id))
    return { user, entitlement }
  })

export const setUserRole = (admin: AdminCaller, userId: string, input: { readonly role: string }) =>
  Effect.gen(function* () {
    const { role } = yield* decodeInput(Schema.Struct({ role: Role }))(input)
    const user = yield* findUserOrFail(userId)
    const updated = yield* Effect.flatMap(UserStore, (users) => users.setRole(user.id, role))
    if (Option.isNone(updated)) return yield* new UserNotFound({ userId })
    yield* Effect.logInfo("role changed").pipe(
      Effect.annotateLogs({ user_id: user.id, role, by_user_id: admin.userId })
    )
    return updated.value
  })

/** Assign a plan (`plan_id: null`: back to the default). */
export const setUserPlan = (
  _admin: AdminCaller,
  userId: string,
  input: { readonly plan_id: string | null }
) =>
  Effect.gen(function* () {
    const { plan_id } = yield* decodeInput(Schema.Struct({ plan_id: Schema.NullOr(Schema.String) }))(input)
    const user = yield* findUserOrFail(userId)
    const plan = plan_id === null ? Option.none() : Option.some((yield* findPlanOrFail(plan_id)).id)
    const updated = yield* Effect.flatMap(UserStore, (users) =>
      users.setPlan(user.id, plan as Option.Option<PlanId>)
    )
    if (Option.isNone(updated)) return yield* new UserNotFound({ userId })
    return updated.value
  })
