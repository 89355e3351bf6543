/**
 * `@org/family-scrobble/testing`: in-memory implementations of every port, a
 * scripted in-memory Trakt, and a deterministic `SecureRandom`. They run the
 * whole domain without a database or network: for tests, and for trying the
 * domain out. Nothing here persists anything.
 *
 * @packageDocumentation
 */

import { SecureRandomSeeded } from "@org/core/testing"
import { Layer } from "effect"
import { FamilyScrobbleConfig, type FamilySettingsInput } from "./Config.js"
import { FamilyScrobbleLocal } from "./FamilyScrobbleLocal.js"
import { GroupStoreInMemory } from "./memory/GroupStoreInMemory.js"
import { NotificationsInMemory } from "./memory/NotificationsInMemory.js"
import { OAuthStatesInMemory } from "./memory/OAuthStatesInMemory.js"
import { RetryQueueInMemory } from "./memory/RetryQueueInMemory.js"
import { TelemetryInMemory } from "./memory/TelemetryInMemory.js"
import { WebhookInboxInMemory } from "./memory/WebhookInboxInMemory.js"
import { TestTraktLayer } from "./testing/TestTrakt.js"

export * from "./memory/GroupStoreInMemory.js"
export * from "./memory/NotificationsInMemory.js"
export * from "./memory/OAuthStatesInMemory.js"
export * from "./memory/PlaybackSessionsInMemory.js"
export * from "./memory/RetryQueueInMemory.js"
export * from "./memory/TelemetryInMemory.js"
export * from "./memory/WebhookInboxInMemory.js"
export * from "./testing/TestTrakt.js"

/** Every store port in memory, plus the process-local services. Bring your own `TraktApi` and `SecureRandom`. */
export const FamilyScrobbleInMemory = Layer.mergeAll(
  GroupStoreInMemory,
  RetryQueueInMemory,
  NotificationsInMemory,
  TelemetryInMemory,
  OAuthStatesInMemory,
  WebhookInboxInMemory,
  FamilyScrobbleLocal
)

/**
 * The whole domain in memory with the in-memory Trakt and seeded randomness:
 * everything a domain test needs. `settings` override the defaults.
 */
export const FamilyScrobbleTest = (
  options: {
    readonly settings?: FamilySettingsInput
    readonly seed?: number
    readonly tokenLifetime?: Parameters<typeof TestTraktLayer>[0] extends infer O
      ? O extends { readonly tokenLifetime?: infer L }
        ? L
        : never
      : never
  } = {}
) =>
  Layer.mergeAll(
    FamilyScrobbleInMemory,
    TestTraktLayer(options.tokenLifetime === undefined ? {} : { tokenLifetime: options.tokenLifetime }),
    SecureRandomSeeded(options.seed),
    FamilyScrobbleConfig.layer(options.settings)
  )
