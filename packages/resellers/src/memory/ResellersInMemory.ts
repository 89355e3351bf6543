/** The resellers' store in memory, listing clients with the accounts store's users and plans. */
import { PlanStore, UserStore } from "@org/accounts"
import { Effect, Layer, Option } from "effect"
import type { ClientListing, ResellerClient } from "../ResellerClient.js"
import { ResellerStore, type ResellerStoreService } from "../ResellerStore.js"

export const makeResellersInMemory = Effect.gen(function* () {
  const users = yield* UserStore
  const plans = yield* PlanStore
  const clients = new Map<string, ResellerClient>()
  const store: ResellerStoreService = {
    add: (client) => Effect.sync(() => void clients.set(client.clientId, client)),
    find: (clientId) => Effect.sync(() => Option.fromNullable(clients.get(clientId))),
    list: (resellerId, page) =>
      Effect.gen(function* () {
        const own = [...clients.values()]
          .filter((client) => client.resellerId === resellerId)
          .sort((a, b) => b.createdAt.epochMillis - a.createdAt.epochMillis)
        const listings: Array<ClientListing> = []
        for (const client of own.slice(page.offset, page.offset + page.limit)) {
          const user = yield* users.findUser(client.clientId)
          const plan = yield* plans.find(client.planId)
          listings.push({
            client,
            email: Option.match(user, { onNone: () => "", onSome: (u) => u.email }),
            fullName: Option.match(user, { onNone: () => "", onSome: (u) => u.fullName }),
            planName: Option.match(plan, { onNone: () => "", onSome: (p) => p.name })
          })
        }
        return { listings, total: own.length }
      }),
    counts: (resellerId, now) =>
      Effect.sync(() => {
        const own = [...clients.values()].filter((client) => client.resellerId === resellerId)
        return {
          total: own.length,
          active: own.filter((client) => client.currentPeriodEnd.epochMillis > now.epochMillis).length
        }
      }),
    update: (clientId, f) =>
      Effect.sync(() => {
        const client = clients.get(clientId)
        if (client === undefined) return Option.none()
        const next = f(client)
        clients.set(clientId, next)
        return Option.some(next)
      }),
    due: (now, limit) =>
      Effect.sync(() =>
        [...clients.values()]
          .filter((client) => client.autoRenew && client.currentPeriodEnd.epochMillis <= now.epochMillis)
          .sort((a, b) => a.currentPeriodEnd.epochMillis - b.currentPeriodEnd.epochMillis)
          .slice(0, limit)
      )
  }
  return store
})

/** `ResellerStore` in memory, over the accounts stores in context. */
export const ResellersInMemory = Layer.effect(ResellerStore, makeResellersInMemory)
