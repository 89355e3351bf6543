/**
 * `@org/resellers/testing`: the resellers' store in memory, and the whole
 * platform (accounts, billing, ledger, resellers) over in-memory stores with a
 * local unit of work.
 *
 * @packageDocumentation
 */
import type { AccountsSettingsInput } from "@org/accounts"
import type { BillingSettingsInput } from "@org/billing"
import { BillingTest } from "@org/billing/testing"
import { UnitOfWork } from "@org/core"
import type { LedgerStore } from "@org/ledger"
import { LedgerInMemory } from "@org/ledger/testing"
import { Layer } from "effect"
import { ResellersInMemory } from "./memory/ResellersInMemory.js"
import { ResellerNotices } from "./ResellerNotices.js"
import type { ResellerStore } from "./ResellerStore.js"

export * from "./memory/ResellersInMemory.js"

/** Accounts, billing, the ledger and the resellers in memory; notices to the log. */
export const ResellersTest = (
  options: {
    readonly accounts?: AccountsSettingsInput
    readonly billing?: BillingSettingsInput
    readonly seed?: number
  } = {}
): Layer.Layer<
  | ResellerStore
  | LedgerStore
  | UnitOfWork
  | ResellerNotices
  | Layer.Layer.Success<ReturnType<typeof BillingTest>>
> =>
  Layer.provideMerge(ResellersInMemory, BillingTest(options)).pipe(
    Layer.merge(LedgerInMemory),
    Layer.merge(UnitOfWork.layerLocal),
    Layer.merge(ResellerNotices.layerLog)
  )
