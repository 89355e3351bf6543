/**
 * A request URL's path, without its query: what the kit's middleware match
 * routes on.
 *
 * @internal
 */
export const urlPath = (url: string): string => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}
