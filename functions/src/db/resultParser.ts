import { SchemaValidationError, type Interceptor } from 'slonik';

/** Makes `sql.type(zodSchema)` real: every row is parsed (and coerced) by its query's schema. */
export const resultParserInterceptor: Interceptor = {
  name: 'result-parser',
  transformRow(queryContext, query, row) {
    const { resultParser } = queryContext;
    if (!resultParser) return row;
    const parsed = resultParser.safeParse(row);
    if (!parsed.success) throw new SchemaValidationError(query, row, parsed.error.issues);
    return parsed.data as typeof row;
  },
};
