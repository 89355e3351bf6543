import { PrunePlexAccount, PruneTautulli } from "@org/plex"
import * as Prune from "@org/prune"
import { PruneStoreInMemory } from "@org/prune/testing"
import { Effect, Either, Layer } from "effect"

const policy = Either.getOrThrow(Prune.makePolicy({ warnDays: 27, kickDays: 30, vip: ["mom@example.com"] }))
const engine = Prune.PruneEngineLive({ policy }).pipe(
  Layer.provide([PrunePlexAccount.layerConfig(), PruneTautulli.layerConfig(), PruneStoreInMemory]),
  Layer.provide([Prune.PruneMailDisabled, Prune.PruneChatDisabled])
)
const plan = await Effect.runPromise(
  Effect.flatMap(Prune.PruneEngine, (e) => e.plan()).pipe(Effect.provide(engine))
)
console.log(Prune.formatPlanTable(plan))
