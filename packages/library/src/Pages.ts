/** Pagination of the library's lists: `page` from 1, `limit` 1–100 (default 20). */
import { decodeInput } from "@org/accounts"
import { Effect, Schema } from "effect"

export const MAX_LIMIT = 100

const PageInput = Schema.Struct({
  page: Schema.optional(
    Schema.Int.pipe(Schema.greaterThanOrEqualTo(1, { message: () => "page starts at 1" }))
  ),
  limit: Schema.optional(
    Schema.Int.pipe(Schema.between(1, MAX_LIMIT, { message: () => `limit is 1 to ${MAX_LIMIT}` }))
  )
})

export interface PageRequest {
  readonly page?: number | undefined
  readonly limit?: number | undefined
}

export const decodePage = (input: PageRequest) =>
  Effect.map(decodeInput(PageInput)(input), ({ page = 1, limit = 20 }) => ({
    page,
    limit,
    offset: (page - 1) * limit
  }))
