// The database core's synchronous introspection, for tests that read real Spider files.
export { introspectSchema, openReadOnlySync } from '../../src/main/core/db'
