const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a route's `:id` is an id (a UUID). Routes that also take a name look anything else
 * up by name, so a resource's name must never look like a UUID.
 *
 * @example isUuid('3f2a...-...') // true; isUuid('pod-7') // false
 */
export function isUuid(ref: string): boolean {
  return UUID.test(ref);
}
