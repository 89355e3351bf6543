/**
 * Settings of the accounts domain, every one with a safe default.
 */
import { Context, Duration, Effect, Layer } from "effect"
import { InvalidConfig } from "./Errors.js"

export interface AccountsSettings {
  /** Lifetime of an access token. Default 15 minutes. */
  readonly accessTokenTtl: Duration.Duration
  /** Lifetime of a refresh token (each rotation starts a new one). Default 30 days. */
  readonly refreshTokenTtl: Duration.Duration
  /** Shortest password. Default 10. */
  readonly passwordMinLength: number
  /** Wrong PINs within `pinFailureWindow` that lock a profile. Default 5. */
  readonly pinMaxFailures: number
  /** Default 15 minutes. */
  readonly pinFailureWindow: Duration.Duration
  /** How long a profile stays locked. Default 15 minutes. */
  readonly pinLockout: Duration.Duration
}

export const defaultAccountsSettings: AccountsSettings = {
  accessTokenTtl: Duration.minutes(15),
  refreshTokenTtl: Duration.days(30),
  passwordMinLength: 10,
  pinMaxFailures: 5,
  pinFailureWindow: Duration.minutes(15),
  pinLockout: Duration.minutes(15)
}

export type AccountsSettingsInput = {
  readonly [K in keyof AccountsSettings]?: AccountsSettings[K] extends Duration.Duration
    ? Duration.DurationInput
    : AccountsSettings[K]
}

/** Validate settings; the error names every field out of range. */
export const makeAccountsSettings = (
  input: AccountsSettingsInput = {}
): Effect.Effect<AccountsSettings, InvalidConfig> =>
  Effect.suspend(() => {
    const issues: Array<string> = []
    const duration = (key: keyof AccountsSettings, fallback: Duration.Duration) => {
      const raw = input[key] as Duration.DurationInput | undefined
      if (raw === undefined) return fallback
      const decoded = Duration.decodeUnknown(raw)
      if (decoded._tag === "None" || !Duration.greaterThan(decoded.value, Duration.zero)) {
        issues.push(`${key}: must be a duration longer than zero`)
        return fallback
      }
      return decoded.value
    }
    const integer = (key: keyof AccountsSettings, fallback: number, min: number, max: number) => {
      const raw = input[key]
      if (raw === undefined) return fallback
      if (typeof raw !== "number" || !Number.isInteger(raw) || raw < min || raw > max) {
        issues.push(`${key}: must be a whole number from ${min} to ${max}`)
        return fallback
      }
      return raw
    }
    const settings: AccountsSettings = {
      accessTokenTtl: duration("accessTokenTtl", defaultAccountsSettings.accessTokenTtl),
      refreshTokenTtl: duration("refreshTokenTtl", defaultAccountsSettings.refreshTokenTtl),
      passwordMinLength: integer("passwordMinLength", 10, 8, 128),
      pinMaxFailures: integer("pinMaxFailures", 5, 1, 100),
      pinFailureWindow: duration("pinFailureWindow", defaultAccountsSettings.pinFailureWindow),
      pinLockout: duration("pinLockout", defaultAccountsSettings.pinLockout)
    }
    for (const key of Object.keys(input))
      if (!(key in defaultAccountsSettings)) issues.push(`${key}: unknown setting`)
    return issues.length > 0
      ? Effect.fail(new InvalidConfig({ issues: issues.join("; ") }))
      : Effect.succeed(settings)
  })

export class AccountsConfig extends Context.Reference<AccountsConfig>()("@org/accounts/AccountsConfig", {
  defaultValue: (): AccountsSettings => defaultAccountsSettings
}) {
  static layer(input: AccountsSettingsInput = {}): Layer.Layer<never, InvalidConfig> {
    return Layer.effect(AccountsConfig, makeAccountsSettings(input))
  }
}
