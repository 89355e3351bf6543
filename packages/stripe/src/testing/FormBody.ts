/**
 * Stripe's request bodies: `application/x-www-form-urlencoded` with bracket
 * paths (`line_items[0][price]=price_x&subscription_data[metadata][user_id]=…`),
 * as the `stripe` client encodes them.
 */
export type FormValue = string | FormObject | Array<FormValue>
export interface FormObject {
  [key: string]: FormValue
}

const isIndex = (key: string) => /^[0-9]+$/.test(key)

export const parseForm = (body: string): FormObject => {
  const root: FormObject = {}
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, "").split("[")
    let node: FormObject | Array<FormValue> = root
    path.forEach((key, i) => {
      const last = i === path.length - 1
      const next = path[i + 1]
      const container = node as Record<string, FormValue>
      if (last) {
        container[key] = value
        return
      }
      if (container[key] === undefined) container[key] = next !== undefined && isIndex(next) ? [] : {}
      node = container[key] as FormObject | Array<FormValue>
    })
  }
  return root
}

export const field = (form: FormObject, ...path: Array<string | number>): string | undefined => {
  let node: FormValue | undefined = form
  for (const key of path) {
    if (node === undefined || typeof node === "string") return undefined
    node = (node as Record<string | number, FormValue>)[key]
  }
  return typeof node === "string" ? node : undefined
}

export const object = (form: FormObject, ...path: Array<string | number>): Record<string, string> => {
  let node: FormValue | undefined = form
  for (const key of path) {
    if (node === undefined || typeof node === "string") return {}
    node = (node as Record<string | number, FormValue>)[key]
  }
  if (node === undefined || typeof node === "string" || Array.isArray(node)) return {}
  return Object.fromEntries(
    Object.entries(node).filter((entry): entry is [string, string] => typeof entry[1] === "string")
  )
}
