/**
 * `@org/billing/testing`: the billing store and a payment provider in memory,
 * and the whole platform (accounts and billing) over them, deterministic.
 *
 * @packageDocumentation
 */
import type { AccountsSettingsInput } from "@org/accounts"
import { AccountsConfig } from "@org/accounts"
import { AccountsInMemory } from "@org/accounts/testing"
import { PasswordHasherFake, SecureRandomSeeded, TokenSignerFake } from "@org/core/testing"
import { Layer } from "effect"
import { BillingEntitlements } from "./BillingEntitlements.js"
import { BillingConfig, type BillingSettingsInput } from "./Config.js"
import { BillingInMemory } from "./memory/BillingInMemory.js"
import { PaymentProviderInMemory } from "./memory/PaymentProviderInMemory.js"

export * from "./memory/BillingInMemory.js"
export * from "./memory/PaymentProviderInMemory.js"

/**
 * Accounts and billing in memory, entitlements from the subscription, the
 * in-memory payment provider and its controls.
 */
export const BillingTest = (
  options: {
    readonly accounts?: AccountsSettingsInput
    readonly billing?: BillingSettingsInput
    readonly seed?: number
  } = {}
) => {
  const stores = BillingInMemory.pipe(Layer.provideMerge(AccountsInMemory))
  return Layer.provideMerge(BillingEntitlements, stores).pipe(
    Layer.merge(PaymentProviderInMemory),
    Layer.merge(PasswordHasherFake),
    Layer.merge(TokenSignerFake()),
    Layer.merge(SecureRandomSeeded(options.seed ?? 1)),
    Layer.merge(AccountsConfig.layer(options.accounts)),
    Layer.merge(BillingConfig.layer(options.billing)),
    Layer.orDie
  )
}
