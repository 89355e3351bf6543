/** The resellers' expected failures, each with what a caller needs and a message a person can act on. */
import { Schema } from "effect"

/** The reseller's balance does not cover the client's price: nothing was created. */
export class InsufficientCredits extends Schema.TaggedError<InsufficientCredits>()("InsufficientCredits", {
  balance: Schema.Number,
  price: Schema.Number
}) {
  override get message(): string {
    return `Not enough credits: this costs ${this.price} credits and the balance is ${this.balance}. Ask the platform's admin for more.`
  }
}

/** Not a client of this reseller (or no client at all): one answer, so ids do not leak. */
export class ClientNotFound extends Schema.TaggedError<ClientNotFound>()("ClientNotFound", {
  clientId: Schema.String
}) {
  override get message(): string {
    return `You have no client ${this.clientId}.`
  }
}
