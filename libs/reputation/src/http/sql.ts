/**
 * The rows of a `DataSource.query` answer. TypeORM's postgres driver answers UPDATE and DELETE
 * (with RETURNING) as `[rows, rowCount]` and everything else as `rows`.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return (result ?? []) as T[];
}
