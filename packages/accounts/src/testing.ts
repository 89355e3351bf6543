/**
 * `@org/accounts/testing`: the stores in memory, and the whole domain over them
 * with fast fakes for hashing and signing and a seeded random source.
 *
 * @packageDocumentation
 */
import { PasswordHasherFake, SecureRandomSeeded, TokenSignerFake } from "@org/core/testing"
import { Layer } from "effect"
import { AccountsConfig, type AccountsSettingsInput } from "./Config.js"
import { Entitlements } from "./Entitlements.js"
import { AccountsInMemory } from "./memory/AccountsInMemory.js"

export * from "./memory/AccountsInMemory.js"

/** Everything the accounts programs need, in memory, deterministic. */
export const AccountsTest = (
  options: { readonly settings?: AccountsSettingsInput; readonly seed?: number } = {}
) =>
  Layer.provideMerge(Entitlements.fromCatalog, AccountsInMemory).pipe(
    Layer.merge(PasswordHasherFake),
    Layer.merge(TokenSignerFake()),
    Layer.merge(SecureRandomSeeded(options.seed ?? 1)),
    Layer.merge(AccountsConfig.layer(options.settings)),
    Layer.orDie
  )
